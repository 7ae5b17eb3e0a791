/*
 * The scrubber's word lists, one table per question the scanner asks,
 * in English, German, French, Spanish, Portuguese, Italian, Dutch,
 * Russian, Chinese and Japanese.  Entries are lower case UTF-8, the
 * way the view (scrub-view.c) folds the text; full-width letters are
 * folded to ASCII there, so Japanese "ＯＴＰ" is "otp" here.
 *
 * Each list is small and bounded; the scanner looks a word up with a
 * first-byte test before comparing, so adding a word costs little.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "scrub.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

const struct scrub_keyword scrub_keywords[] = {
	/* English */
	{ "code", KW_OTP | KW_ALNUM, KM_EXACT },
	{ "codes", KW_OTP, KM_EXACT },
	{ "passcode", KW_OTP | KW_ALNUM, KM_PREFIX },
	{ "otp", KW_OTP | KW_ALNUM, KM_EXACT },
	{ "pin", KW_OTP | KW_ALNUM, KM_EXACT },
	{ "token", KW_OTP | KW_ALNUM, KM_EXACT },
	{ "verif", KW_OTP | KW_LINK, KM_PREFIX },
	{ "one-time", KW_OTP, KM_PREFIX },
	{ "one time", KW_OTP, KM_PREFIX },
	{ "onetime", KW_OTP, KM_PREFIX },
	{ "2fa", KW_OTP, KM_EXACT },
	{ "mfa", KW_OTP, KM_EXACT },
	{ "two-factor", KW_OTP, KM_PREFIX },
	{ "two factor", KW_OTP, KM_PREFIX },
	{ "2-step", KW_OTP, KM_PREFIX },
	{ "authenticat", KW_OTP | KW_LINK, KM_PREFIX },
	{ "password", KW_OTP | KW_LINK, KM_PREFIX },
	{ "sign in", KW_LINK, KM_EXACT },
	{ "sign-in", KW_LINK, KM_EXACT },
	{ "signin", KW_LINK, KM_EXACT },
	{ "log in", KW_LINK, KM_EXACT },
	{ "log-in", KW_LINK, KM_EXACT },
	{ "login", KW_LINK, KM_EXACT },
	{ "logon", KW_LINK, KM_EXACT },
	{ "reset", KW_LINK, KM_PREFIX },
	{ "magic link", KW_LINK, KM_PREFIX },
	{ "confirm", KW_LINK, KM_PREFIX },
	{ "activat", KW_LINK, KM_PREFIX },
	{ "recover", KW_LINK, KM_PREFIX },
	{ "do not share", KW_SHARE, KM_EXACT },
	{ "don't share", KW_SHARE, KM_EXACT },
	{ "don\xe2\x80\x99t share", KW_SHARE, KM_EXACT },
	{ "dont share", KW_SHARE, KM_EXACT },
	{ "never share", KW_SHARE, KM_EXACT },
	{ "do not give", KW_SHARE, KM_EXACT },
	/* German */
	{ "code", KW_OTP | KW_ALNUM, KM_SUFFIX },	/* Bestätigungscode */
	{ "passwort", KW_OTP | KW_LINK, KM_PREFIX },
	{ "passwort", KW_OTP | KW_LINK, KM_SUFFIX },	/* Einmalpasswort */
	{ "kennwort", KW_OTP | KW_LINK, KM_PREFIX },
	{ "kennwort", KW_OTP | KW_LINK, KM_SUFFIX },
	{ "tan", KW_OTP | KW_ALNUM, KM_EXACT },
	{ "mtan", KW_OTP | KW_ALNUM, KM_EXACT },
	{ "smstan", KW_OTP | KW_ALNUM, KM_EXACT },
	{ "anmeld", KW_LINK, KM_PREFIX },
	{ "zur\xc3\xbc" "cksetz", KW_LINK, KM_PREFIX },
	{ "best\xc3\xa4tig", KW_LINK, KM_PREFIX },
	{ "nicht weiter", KW_SHARE, KM_PREFIX },
	{ "mit niemandem", KW_SHARE, KM_PREFIX },
	/* French */
	{ "v\xc3\xa9rif", KW_OTP | KW_LINK, KM_PREFIX },
	{ "mot de passe", KW_OTP | KW_LINK, KM_EXACT },
	{ "connexion", KW_LINK, KM_PREFIX },
	{ "r\xc3\xa9initialis", KW_LINK, KM_PREFIX },
	{ "usage unique", KW_OTP, KM_EXACT },
	{ "ne le partagez", KW_SHARE, KM_PREFIX },
	{ "ne partagez", KW_SHARE, KM_PREFIX },
	{ "ne le communiquez", KW_SHARE, KM_PREFIX },
	{ "ne communiquez", KW_SHARE, KM_PREFIX },
	/* Spanish and Portuguese */
	{ "c\xc3\xb3" "digo", KW_OTP | KW_ALNUM, KM_PREFIX },
	{ "codigo", KW_OTP | KW_ALNUM, KM_PREFIX },
	{ "contrase\xc3\xb1" "a", KW_OTP | KW_LINK, KM_PREFIX },
	{ "contrasena", KW_OTP | KW_LINK, KM_PREFIX },
	{ "clave", KW_OTP | KW_ALNUM, KM_EXACT },
	{ "restablec", KW_LINK, KM_PREFIX },
	{ "iniciar sesi", KW_LINK, KM_PREFIX },
	{ "inicio de sesi", KW_LINK, KM_PREFIX },
	{ "no lo compartas", KW_SHARE, KM_PREFIX },
	{ "no compartas", KW_SHARE, KM_PREFIX },
	{ "no lo comparta", KW_SHARE, KM_PREFIX },
	{ "no comparta", KW_SHARE, KM_PREFIX },
	{ "senha", KW_OTP | KW_LINK, KM_PREFIX },
	{ "redefin", KW_LINK, KM_PREFIX },
	{ "entrar", KW_LINK, KM_EXACT },
	{ "n\xc3\xa3o compartilhe", KW_SHARE, KM_PREFIX },
	{ "nunca compartilhe", KW_SHARE, KM_PREFIX },
	{ "n\xc3\xa3o o compartilhe", KW_SHARE, KM_PREFIX },
	/* Italian */
	{ "codice", KW_OTP | KW_ALNUM, KM_EXACT },
	{ "reimpost", KW_LINK, KM_PREFIX },
	{ "accedi", KW_LINK, KM_EXACT },
	{ "accesso", KW_LINK, KM_EXACT },
	{ "non condivider", KW_SHARE, KM_PREFIX },
	{ "non comunicar", KW_SHARE, KM_PREFIX },
	/* Dutch */
	{ "wachtwoord", KW_OTP | KW_LINK, KM_PREFIX },
	{ "wachtwoord", KW_OTP | KW_LINK, KM_SUFFIX },
	{ "inlog", KW_LINK, KM_PREFIX },
	{ "bevestig", KW_LINK, KM_PREFIX },
	{ "herstel", KW_LINK, KM_PREFIX },
	{ "met niemand", KW_SHARE, KM_PREFIX },
	{ "niet delen", KW_SHARE, KM_PREFIX },
	/* Russian */
	{ "\xd0\xba\xd0\xbe\xd0\xb4", KW_OTP | KW_ALNUM, KM_PREFIX },	/* код */
	{ "\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb",			/* парол */
	    KW_OTP | KW_LINK, KM_PREFIX },
	{ "\xd0\xbf\xd0\xbe\xd0\xb4\xd1\x82\xd0\xb2\xd0\xb5\xd1\x80\xd0\xb6\xd0\xb4",
	    KW_LINK, KM_PREFIX },					/* подтвержд */
	{ "\xd0\xb2\xd1\x85\xd0\xbe\xd0\xb4", KW_LINK, KM_PREFIX },	/* вход */
	{ "\xd1\x81\xd0\xb1\xd1\x80\xd0\xbe\xd1\x81", KW_LINK, KM_PREFIX },	/* сброс */
	{ "\xd0\xb2\xd0\xbe\xd1\x81\xd1\x81\xd1\x82\xd0\xb0\xd0\xbd\xd0\xbe\xd0\xb2",
	    KW_LINK, KM_PREFIX },					/* восстанов */
	{ "\xd0\xbd\xd0\xb8\xd0\xba\xd0\xbe\xd0\xbc\xd1\x83",		/* никому */
	    KW_SHARE, KM_EXACT },
	{ "\xd0\xbd\xd0\xb5 \xd1\x81\xd0\xbe\xd0\xbe\xd0\xb1\xd1\x89\xd0\xb0",
	    KW_SHARE, KM_PREFIX },					/* не сообща */
	/* Chinese */
	{ "\xe9\xaa\x8c\xe8\xaf\x81\xe7\xa0\x81", KW_OTP | KW_ALNUM, KM_CJK },	/* 验证码 */
	{ "\xe9\xa9\x97\xe8\xad\x89\xe7\xa2\xbc", KW_OTP | KW_ALNUM, KM_CJK },	/* 驗證碼 */
	{ "\xe6\xa0\xa1\xe9\xaa\x8c\xe7\xa0\x81", KW_OTP | KW_ALNUM, KM_CJK },	/* 校验码 */
	{ "\xe5\x8a\xa8\xe6\x80\x81\xe7\xa0\x81", KW_OTP | KW_ALNUM, KM_CJK },	/* 动态码 */
	{ "\xe8\xaa\x8d\xe8\xad\x89\xe7\xa2\xbc", KW_OTP | KW_ALNUM, KM_CJK },	/* 認證碼 */
	{ "\xe7\xa1\xae\xe8\xae\xa4\xe7\xa0\x81", KW_OTP | KW_ALNUM, KM_CJK },	/* 确认码 */
	{ "\xe5\xaf\x86\xe7\xa0\x81", KW_OTP | KW_LINK, KM_CJK },		/* 密码 */
	{ "\xe5\xaf\x86\xe7\xa2\xbc", KW_OTP | KW_LINK, KM_CJK },		/* 密碼 */
	{ "\xe5\x8f\xa3\xe4\xbb\xa4", KW_OTP, KM_CJK },			/* 口令 */
	{ "\xe9\xaa\x8c\xe8\xaf\x81", KW_OTP | KW_LINK, KM_CJK },		/* 验证 */
	{ "\xe9\xa9\x97\xe8\xad\x89", KW_OTP | KW_LINK, KM_CJK },		/* 驗證 */
	{ "\xe7\x99\xbb\xe5\xbd\x95", KW_LINK, KM_CJK },			/* 登录 */
	{ "\xe7\x99\xbb\xe5\x85\xa5", KW_LINK, KM_CJK },			/* 登入 */
	{ "\xe9\x87\x8d\xe7\xbd\xae", KW_LINK, KM_CJK },			/* 重置 */
	{ "\xe6\xb3\x84\xe9\x9c\xb2", KW_SHARE, KM_CJK },			/* 泄露 */
	{ "\xe6\xb4\xa9\xe9\x9c\xb2", KW_SHARE, KM_CJK },			/* 洩露 */
	{ "\xe5\x91\x8a\xe7\x9f\xa5\xe4\xbb\x96\xe4\xba\xba", KW_SHARE, KM_CJK },	/* 告知他人 */
	{ "\xe8\xbd\xac\xe5\x8f\x91", KW_SHARE, KM_CJK },			/* 转发 */
	/* Japanese */
	{ "\xe3\x82\xb3\xe3\x83\xbc\xe3\x83\x89", KW_OTP | KW_ALNUM, KM_CJK },	/* コード */
	{ "\xe8\xaa\x8d\xe8\xa8\xbc", KW_OTP | KW_LINK, KM_CJK },		/* 認証 */
	{ "\xe6\x9a\x97\xe8\xa8\xbc\xe7\x95\xaa\xe5\x8f\xb7", KW_OTP | KW_ALNUM, KM_CJK },	/* 暗証番号 */
	{ "\xe7\xa2\xba\xe8\xaa\x8d\xe7\x95\xaa\xe5\x8f\xb7", KW_OTP | KW_ALNUM, KM_CJK },	/* 確認番号 */
	{ "\xe8\xaa\x8d\xe8\xa8\xbc\xe7\x95\xaa\xe5\x8f\xb7", KW_OTP | KW_ALNUM, KM_CJK },	/* 認証番号 */
	{ "\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89",	/* パスワード */
	    KW_OTP | KW_LINK, KM_CJK },
	{ "\xe3\x83\xad\xe3\x82\xb0\xe3\x82\xa4\xe3\x83\xb3", KW_LINK, KM_CJK },	/* ログイン */
	{ "\xe5\x86\x8d\xe8\xa8\xad\xe5\xae\x9a", KW_LINK, KM_CJK },		/* 再設定 */
	{ "\xe6\x95\x99\xe3\x81\x88\xe3\x81\xaa\xe3\x81\x84", KW_SHARE, KM_CJK },	/* 教えない */
	{ "\xe5\x85\xb1\xe6\x9c\x89\xe3\x81\x97\xe3\x81\xaa\xe3\x81\x84", KW_SHARE, KM_CJK }	/* 共有しない */
};
const size_t scrub_nkeywords = N(scrub_keywords);

const char *const scrub_suffix_stop[] = {
	"barcode", "postcode", "zipcode", "areacode", "countrycode",
	"sourcecode", "quellcode", "statuscode", "fehlercode", "errorcode",
	"exitcode", "gutscheincode", "rabattcode", "aktionscode",
	"promocode", "vouchercode", "couponcode", "kortingscode",
	"actiecode", "cadeaucode", "qrcode", "farbcode", "landcode",
	"l\xc3\xa4ndercode", "unicode", "opcode", "geocode", "encode",
	"decode", "dresscode", "hexcode", "bytecode", "shortcode",
	"pseudocode", "timecode", "kleurcode", "lockcode"
};
const size_t scrub_nsuffix_stop = N(scrub_suffix_stop);

const char *const scrub_qualifiers[] = {
	"promo", "promotional", "discount", "coupon", "voucher", "gift",
	"referral", "invite", "invitation", "zip", "postal", "post", "area",
	"country", "dial", "dialing", "source", "error", "status", "exit",
	"product", "bar", "qr", "sort", "swift", "bank", "branch", "routing",
	"tracking", "booking", "reservation", "airport", "iata", "colour",
	"color", "dress", "tax", "vat", "hs", "course", "class", "language",
	"currency", "region", "offer", "sale", "review", "reviews",
	"sample", "samples", "snippet", "conduct", "practice", "ethics", "rabatt", "gutschein",
	"aktions", "postale", "postal", "sconto", "descuento", "desconto",
	"r\xc3\xa9" "duction", "promocional", "promozionale", "promotionnel",
	"korting", "cadeau",
	"\xd0\xbf\xd1\x80\xd0\xbe\xd0\xbc\xd0\xbe",			/* промо */
	"\xd1\x81\xd0\xba\xd0\xb8\xd0\xb4\xd0\xba\xd0\xb0",		/* скидка */
	"\xd1\x81\xd0\xba\xd0\xb8\xd0\xb4\xd0\xba\xd0\xb8",		/* скидки */
	"\xe3\x82\xaf\xe3\x83\xbc\xe3\x83\x9d\xe3\x83\xb3",		/* クーポン */
	"\xe3\x83\x97\xe3\x83\xad\xe3\x83\xa2\xe3\x83\xbc"
	    "\xe3\x82\xb7\xe3\x83\xa7\xe3\x83\xb3",			/* プロモーション */
	"\xe5\x84\xaa\xe6\x83\xa0", "\xe4\xbc\x98\xe6\x83\xa0",	/* 優惠 优惠 */
	"\xe9\x83\xb5\xe4\xbe\xbf", "\xe9\x82\xae\xe6\x94\xbf"	/* 郵便 邮政 */
};
const size_t scrub_nqualifiers = N(scrub_qualifiers);

const char *const scrub_reference_words[] = {
	"order", "invoice", "ticket", "tracking", "ref", "reference",
	"case", "account", "acct", "booking", "reservation", "flight",
	"room", "ext", "extension", "apt", "suite", "unit", "zip", "item",
	"sku", "model", "serial", "gate", "seat", "platform", "track",
	"port",
	"parcel", "package", "shipment", "policy", "claim", "customer",
	"member", "membership", "loyalty", "patient", "bestellung",
	"bestellnummer", "rechnung", "auftrag", "sendung", "kundennummer",
	"commande", "facture", "colis", "dossier", "pedido", "factura",
	"reserva", "env\xc3\xado", "encomenda", "fatura", "ordine",
	"fattura", "spedizione", "prenotazione", "bestelling", "factuur",
	"zending", "boeking", "vol", "flug", "vuelo", "voo", "volo",
	"vlucht", "\xd0\xb7\xd0\xb0\xd0\xba\xd0\xb0\xd0\xb7",
	"\xd1\x81\xd1\x87\xd0\xb5\xd1\x82", "\xd1\x80\xd0\xb5\xd0\xb9\xd1\x81",
	"\xd0\xb7\xd0\xb0\xd0\xba\xd0\xb0\xd0\xb7\xd0\xb0",
	"\xd0\xb1\xd1\x80\xd0\xbe\xd0\xbd\xd1\x8c"			/* бронь */
};
const size_t scrub_nreference_words = N(scrub_reference_words);

const char *const scrub_copulas[] = {
	"is", "are", "was", "est", "ist", "lautet", "es", "\xc3\xa9",
	"\xc3\xa8", "\xd1\x8d\xd1\x82\xd0\xbe", "\xe6\x98\xaf",
	"\xe4\xb8\xba", "\xe7\x82\xba", "\xe3\x81\xaf"
};
const size_t scrub_ncopulas = N(scrub_copulas);

const struct scrub_keyword scrub_link_words[] = {
	{ "login", 0, KM_PREFIX }, { "logon", 0, KM_PREFIX },
	{ "signin", 0, KM_PREFIX }, { "signon", 0, KM_PREFIX },
	{ "magic", 0, KM_PREFIX }, { "verif", 0, KM_PREFIX },
	{ "reset", 0, KM_PREFIX }, { "passw", 0, KM_PREFIX },
	{ "passcode", 0, KM_PREFIX }, { "confirm", 0, KM_PREFIX },
	{ "activat", 0, KM_PREFIX }, { "authent", 0, KM_PREFIX },
	{ "authoriz", 0, KM_PREFIX }, { "oauth", 0, KM_PREFIX },
	{ "invit", 0, KM_PREFIX }, { "onetime", 0, KM_PREFIX },
	{ "recover", 0, KM_PREFIX }, { "anmeld", 0, KM_PREFIX },
	{ "passwort", 0, KM_PREFIX }, { "kennwort", 0, KM_PREFIX },
	{ "bestaetig", 0, KM_PREFIX }, { "connexion", 0, KM_PREFIX },
	{ "motdepasse", 0, KM_PREFIX }, { "reinitialis", 0, KM_PREFIX },
	{ "contrasena", 0, KM_PREFIX }, { "restablec", 0, KM_PREFIX },
	{ "senha", 0, KM_PREFIX }, { "redefin", 0, KM_PREFIX },
	{ "accedi", 0, KM_EXACT }, { "inlog", 0, KM_PREFIX },
	{ "wachtwoord", 0, KM_PREFIX }, { "bevestig", 0, KM_PREFIX },
	{ "auth", 0, KM_EXACT }, { "otp", 0, KM_EXACT },
	{ "sso", 0, KM_EXACT }, { "2fa", 0, KM_EXACT },
	{ "mfa", 0, KM_EXACT }, { "session", 0, KM_EXACT },
	{ "sessionid", 0, KM_EXACT }
};
const size_t scrub_nlink_words = N(scrub_link_words);

/*
 * Mail providers, sign-in services and the large senders of sign-in
 * mail whose links, when they carry a long opaque token, are taken for
 * sign-in or reset links.  A host matches its own entry and any host
 * under it.
 */
const char *const scrub_auth_domains[] = {
	"accounts.google.com", "myaccount.google.com", "apple.com",
	"icloud.com", "microsoft.com", "microsoftonline.com", "live.com",
	"outlook.com", "yahoo.com", "yahoo.co.jp", "aol.com", "proton.me",
	"protonmail.com", "tuta.com", "zoho.com", "gmx.net", "gmx.de",
	"web.de", "t-online.de", "orange.fr", "laposte.net", "mail.ru",
	"yandex.ru", "yandex.com", "qq.com", "163.com", "126.com",
	"alipay.com", "taobao.com", "line.me", "naver.com", "rakuten.co.jp",
	"facebook.com", "facebookmail.com", "fb.com", "instagram.com",
	"whatsapp.com", "twitter.com", "x.com", "linkedin.com",
	"tiktok.com", "snapchat.com", "reddit.com", "pinterest.com",
	"discord.com", "discordapp.com", "slack.com", "github.com",
	"gitlab.com", "atlassian.com", "dropbox.com", "amazon.com",
	"amazon.de", "amazon.co.jp", "paypal.com", "stripe.com", "okta.com",
	"auth0.com", "duosecurity.com", "onelogin.com", "notion.so",
	"netflix.com", "spotify.com", "uber.com", "airbnb.com",
	"telegram.org", "signal.org", "vk.com", "steampowered.com",
	"steamcommunity.com", "epicgames.com", "twitch.tv", "zoom.us",
	"adobe.com", "samsung.com", "coinbase.com", "binance.com",
	"revolut.com", "n26.com", "wise.com", "chase.com",
	"bankofamerica.com", "wellsfargo.com", "hsbc.com", "ing.com",
	"santander.com", "bbva.com", "sparkasse.de", "mercadolibre.com",
	"booking.com"
};
const size_t scrub_nauth_domains = N(scrub_auth_domains);

#!/bin/sh
# Canonical identities, tried as a hostile agent would (raw JSON-RPC on
# the socket): every spelling of a denied person is refused in open,
# allowlist and approval modes (never held), whether named by address
# (case, sub-address tags, dots, googlemail.com, phone punctuation), by
# an iMessage chat (id, identifier, guid) or by a group chat with that
# person in it; a chat the tool does not know is refused, not taken by
# its spelling; a group chat not allowed as a whole is checked member by
# member; one person addressed many ways has one rate window.
. "$(dirname "$0")/lib.sh"

setup
cp "$top_builddir/sim/gog" "$T/bin/sim-gog"
mkdir -p "$T/sim/gog"
cp "$top_srcdir"/sim/data/gog/*.json "$T/sim/gog/"
chmod 755 "$T/bin/sim-gog"
chown -R "$GW_USER:$GW_USER" "$T/sim/gog"

# identity_config MODE: imsg and gmail; IMSG_ALLOW and IMSG_DENY may
# replace the iMessage lists, LIMIT the per-recipient limit.
identity_config() {
	write_config <<YAML
version: 1
state_dir: $T/state
map_size: 64M
audit: { sink: stderr }
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [imsg, gmail]
contacts:
  mom: { imsg: "+1 (415) 555-0100" }
mail_domains:
  strict.example: { tags: false }
  mail.example: { dots: true }
  alias.example: { alias_of: mail.example }
channels:
  imsg:
    tool: $T/bin/sim-imsg
    db: $T/sim
    timeout: 10s
    region: US
    outbound:
      mode: $1
      allow: [${IMSG_ALLOW:-mom, "+1415555014*", "chat:3"}]
      deny: [${IMSG_DENY-"+14155559999", "Alex.Rivera@Example.com"}]
    inbound: { mode: open }
    limits:
      - { per: recipient, max: ${LIMIT:-50}, window: 1m }
  gmail:
    tool: $T/bin/sim-gog
    account: me@example.com
    send: send
    timeout: 10s
    outbound:
      mode: $1
      allow: ["*@example.com", "*@gmail.com", "*@strict.example", "*@mail.example"]
      deny: ["eve@gmail.com", "mallory@example.com", "bob@strict.example", "d.an@mail.example"]
    inbound: { mode: open }
    limits:
      - { per: recipient, max: ${LIMIT:-50}, window: 1m }
YAML
}

n=0
# rpc PARAMS_JSON: one send; prints the answer line.
rpc() {
	n=$((n + 1))
	printf '{"jsonrpc":"2.0","id":%d,"method":"send","params":%s}\n' \
	    "$n" "$1" | raw
}
imsg_to() { rpc "{\"channel\":\"imsg\",$1,\"text\":\"hi\"}"; }
mail_to() {
	rpc "{\"channel\":\"gmail\",\"to\":[$1],\"subject\":\"s\",\"body\":\"b\"}"
}

# lacks NEEDLE TEXT: TEXT does not hold NEEDLE.
lacks() {
	case $2 in
	*"$1"*) return 1 ;;
	esac
	return 0
}

# refused WHAT ANSWER: a refusal naming a recipient, never a hold.
refused() {
	expect_match "$mode: $1 refused" '"code":-32002' "$2"
}

for mode in open allowlist approval; do
	identity_config $mode
	start_gateway
	sent_before=$(spool_count)

	# A denied phone number, and its one-to-one chat by every name.
	for t in '"to":"+14155559999"' '"to":"(415) 555-9999"' \
	    '"to":"tel:+1-415-555-9999"' '"to":"0014155559999"' \
	    '"to":" 415.555.9999 "' '"chat_id":4' \
	    '"chat_identifier":"+14155559999"' \
	    '"chat_guid":"SMS;-;+14155559999"'; do
		refused "imsg $t" "$(imsg_to "$t")"
	done
	# A denied Apple ID by case, tags, and its chat by every name.
	for t in '"to":"alex.rivera@example.com"' \
	    '"to":"ALEX.RIVERA@EXAMPLE.COM"' \
	    '"to":"alex.rivera+x@example.com"' '"chat_id":2'; do
		refused "imsg $t" "$(imsg_to "$t")"
	done
	# (A chat identifier holding '@' is no valid chat name at all.)
	for t in '"chat_identifier":"alex.rivera@example.com"' \
	    '"chat_guid":"iMessage;-;alex.rivera@example.com"'; do
		expect_match "$mode: imsg $t refused" '"code":-3260?2' \
		    "$(imsg_to "$t")"
	done
	# The group chat holds the denied Apple ID: "chat:3" is allowed as
	# a whole, and the member's deny still wins, by every name.
	for t in '"chat_id":3' '"chat_identifier":"chat493827161045763123"' \
	    '"chat_guid":"iMessage;+;chat493827161045763123"'; do
		out=$(imsg_to "$t")
		refused "group chat $t" "$out"
		# ...and the agent is not told who: members may be hidden.
		check "$mode: group chat $t: the answer names no member" \
		    lacks 'alex.rivera' "$out"
	done
	# Typing and read name chats too.
	out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"typing","params":{"channel":"imsg","chat_id":3}}' | raw)
	expect_match "$mode: typing in the group chat refused" \
	    '"code":-32002' "$out"
	# A chat the tool does not know is refused, not taken by spelling
	# (by id, imsg itself says "Chat not found": the tool's failure).
	# Unknown and existing-but-refused chats get one answer: no oracle.
	unknown=$(imsg_to '"chat_id":99' | sed 's/chat:99/chat:N/g')
	known=$(imsg_to '"chat_id":3' | sed 's/chat:3/chat:N/g')
	expect_match "$mode: unknown chat id refused as not allowed" \
	    '"code":-32002,"message":"recipient not allowed: chat:N"' "$unknown"
	expect_eq "$mode: an unknown chat and a refused one answer alike" \
	    "$known" "$unknown"
	for t in '"chat_identifier":"chat000"' \
	    '"chat_guid":"iMessage;+;chat000"'; do
		refused "unknown chat $t" "$(imsg_to "$t")"
	done
	# Mail: every spelling of eve@gmail.com, and of mallory@example.com;
	# Unicode look-alikes (Cyrillic letter, full-width '@', zero-width
	# space) and a trailing dot are refused by the normaliser.  (A
	# punycode domain, xn--..., is another domain: decided as such.)
	for t in '"eve+x@gmail.com"' '"e.ve@gmail.com"' '"EVE@GMAIL.COM"' \
	    '"eve@googlemail.com"' '"E.v.e+tag@GoogleMail.com"' \
	    '"Eve <e.v.e@gmail.com>"' '"mallory+x@example.com"' \
	    '"MALLORY@example.com"' '"d.a.n+z@alias.example"' \
	    '"dan@mail.example"' '"bob@strict.example"' \
	    '"eve@gm\u0430il.com"' '"eve\uff20gmail.com"' \
	    '"eve@gmail.com."' \
	    '"eve\u200b@gmail.com"'; do
		refused "mail to $t" "$(mail_to "$t")"
	done
	# ...also as the Bcc beside an allowed recipient.
	out=$(rpc '{"channel":"gmail","to":["friend@example.com"],"bcc":["e.ve+1@googlemail.com"],"subject":"s","body":"b"}')
	refused "mail with a Bcc spelling eve" "$out"
	expect_eq "$mode: nothing reached the tool" "$sent_before" \
	    "$(spool_count)"
	expect_match "$mode: nothing held" '^0 held$' "$(ctl holds list)"

	# Per-domain rules cut both ways: strict.example has no tags, so
	# bob+x@strict.example is another mailbox (allowed by *@).
	out=$(mail_to '"bob+x@strict.example"')
	expect_match "$mode: bob+x@strict.example is not bob" \
	    '"result"' "$out"
	# mom's one-to-one chat is mom.
	out=$(imsg_to '"chat_id":1')
	expect_match "$mode: mom's chat is mom" '"result"' "$out"
	stop_gateway
done

# A group chat not allowed as a whole is decided member by member:
# +14155550142 is in no allow entry.
for mode in allowlist approval open; do
	IMSG_ALLOW='mom, "alex.rivera@example.com"' IMSG_DENY='' \
	    identity_config $mode
	start_gateway
	out=$(imsg_to '"chat_id":3')
	case $mode in
	allowlist)
		expect_match "group chat: a member not allowed refuses" \
		    '"code":-32002' "$out"
		check "group chat: the refusal names no member" \
		    lacks '14155550142' "$out" ;;
	approval)
		expect_match "group chat: a member not allowed holds" \
		    '"code":-32005' "$out"
		check "group chat: the hold's answer names no member" \
		    lacks '14155550142' "$out"
		expect_match "the hold names the member" \
		    'reaches \+14155550142' "$(ctl holds list)" ;;
	open)
		expect_match "group chat: open mode sends" '"result"' "$out" ;;
	esac
	stop_gateway
done
IMSG_ALLOW='mom, "alex.rivera@example.com", "chat:3"' IMSG_DENY='' \
    identity_config allowlist
start_gateway
expect_match "group chat allowed as a whole" '"result"' \
    "$(imsg_to '"chat_guid":"iMessage;+;chat493827161045763123"')"
stop_gateway

# A deny entry naming the chat by its guid holds when it is sent to by
# id or identifier, in every mode.
for mode in open allowlist approval; do
	IMSG_DENY='"chat:iMessage;+;chat493827161045763123"' \
	    identity_config $mode
	start_gateway
	for t in '"chat_id":3' '"chat_identifier":"chat493827161045763123"'; do
		refused "chat denied by guid, sent by $t" "$(imsg_to "$t")"
	done
	stop_gateway
done

# One person, one rate window, however addressed.
LIMIT=2 identity_config open
start_gateway
i=0
for t in '"to":"mom"' '"to":"+14155550100"' '"to":"(415) 555-0100"' \
    '"chat_id":1' '"chat_identifier":"+14155550100"' \
    '"chat_guid":"iMessage;-;+14155550100"'; do
	out=$(imsg_to "$t")
	i=$((i + 1))
	if [ $i -le 2 ]; then
		expect_match "mom #$i ($t) sent" '"result"' "$out"
	else
		expect_match "mom #$i ($t) in the same window" \
		    '"code":-32003' "$out"
	fi
done
i=0
for t in '"bob@gmail.com"' '"b.o.b+1@googlemail.com"' '"BOB+2@gmail.com"' \
    '"Bob <bo.b@GMAIL.com>"'; do
	out=$(mail_to "$t")
	i=$((i + 1))
	if [ $i -le 2 ]; then
		expect_match "bob #$i ($t) sent" '"result"' "$out"
	else
		expect_match "bob #$i ($t) in the same window" \
		    '"code":-32003' "$out"
	fi
done
# A message to two spellings of one person is charged once.
out=$(mail_to '"carol@gmail.com", "c.arol+x@googlemail.com"')
expect_match "two spellings of carol in one message: sent" '"result"' "$out"
out=$(mail_to '"carol@gmail.com"')
expect_match "carol's window holds one more" '"result"' "$out"
expect_match "audit chain verifies" '^audit chain OK' "$(ctl audit verify)"
stop_gateway

finish

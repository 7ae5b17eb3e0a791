/*
 * carapacectl policy test: what the current policy would do with one
 * send, and which rule decides, without sending.  It takes the same
 * steps as the send pipeline (send.c) up to the point where something
 * would change: the client and its channels, every recipient resolved
 * to the identities it reaches (a chat or group is looked up with the
 * channel's tool, read-only, as the gateway would), the recipient
 * decision on those identities, and the content rules on the text.
 * Rate limits and the state are not consulted: they depend on what was
 * sent before, not on the policy.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "ctl.h"
#include "handler.h"
#include "log.h"
#include "policy.h"

#define POLICY_TEST_MAX_TO	OUTBOUND_MAX

/* Exit statuses: what the gateway would do. */
#define PT_SEND		0
#define PT_REFUSE	1
#define PT_USAGE	2
#define PT_HOLD		3

static const char *const verdict_names[] = {
	[VERDICT_ALLOW] = "allow",
	[VERDICT_DENY] = "deny",
	[VERDICT_HOLD] = "hold",
};

static void __attribute__((__noreturn__))
pt_usage(void)
{
	(void)fprintf(stderr, "usage: carapacectl [-c file] policy test "
	    "--client NAME --channel CH --to X [--to X ...] [--text T] "
	    "[--json]\n");
	exit(PT_USAGE);
}

static const struct client *
find_client(const struct config *cfg, const char *name)
{
	size_t	 i;

	for (i = 0; i < cfg->nclients; i++)
		if (strcmp(cfg->clients[i].name, name) == 0)
			return &cfg->clients[i];
	return NULL;
}

/* The outcome of the test, printed or as JSON. */
struct pt {
	int		 json;
	json_t		*out;		/* the JSON document */
	json_t		*recipients;	/* its "recipients" */
	int		 status;	/* PT_* so far */
	const char	*rule;		/* the deciding rule */
	char		 reason[512];
};

/* The whole request is refused: say why. */
static void
pt_refuse(struct pt *t, const char *rule, const char *what, const char *name,
    const char *more)
{
	t->status = PT_REFUSE;
	t->rule = rule;
	(void)snprintf(t->reason, sizeof(t->reason), "%s%s%s", what, name,
	    more);
}

void
ctl_decide(struct call_env *env, const struct channel *ch, const char *to,
    char *norm, size_t normlen, struct identity_set *set, struct verdict *v)
{
	struct call	 c;
	enum addr_kind	 kind;
	const char	*cause = NULL;

	memset(set, 0, sizeof(*set));
	memset(v, 0, sizeof(*v));
	v->kind = VERDICT_DENY;
	v->rule = "address";
	if (addr_resolve(env->cfg, ch->id, to, norm, normlen, &kind,
	    &cause) == -1) {
		norm[0] = '\0';
		(void)snprintf(v->reason, sizeof(v->reason), "cannot "
		    "normalise (%s)", cause != NULL ? cause : "invalid");
		return;
	}
	if ((ch->driver->address_kinds & (1U << kind)) == 0) {
		(void)snprintf(v->reason, sizeof(v->reason), "channel %s "
		    "takes no address of this kind", ch->driver->name);
		return;
	}
	memset(&c, 0, sizeof(c));
	c.env = env;
	c.method = "ctl.decide";
	c.channel = ch->driver->name;
	c.adapter = handler_adapter(ch);
	if (send_identities(&c, ch, norm, set) == -1) {
		(void)strlcpy(v->reason, c.message, sizeof(v->reason));
		set->n = 0;
	} else
		policy_outbound_identities(env->cfg, ch, set, v);
	call_clear(&c);
}

/* One recipient: decided, shown, added to the JSON document. */
static void
pt_recipient(struct pt *t, struct call_env *env, const struct channel *ch,
    const char *to, struct verdict *v)
{
	struct identity_set	*set;
	json_t			*o, *ids;
	char			 norm[ADDR_MAX];
	size_t			 i;

	if ((set = malloc(sizeof(*set))) == NULL)
		fatal("malloc");
	ctl_decide(env, ch, to, norm, sizeof(norm), set, v);
	o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "to", to, "normalized", norm,
	    "decision", verdict_names[v->kind], "rule",
	    v->rule != NULL ? v->rule : "", "reason", v->reason);
	if (o == NULL || (ids = json_array()) == NULL)
		fatal("json_pack");
	for (i = 0; i < set->n; i++)
		(void)json_array_append_new(ids, json_string(set->ids[i]));
	(void)json_object_set_new(o, "reaches", ids);
	(void)json_array_append_new(t->recipients, o);
	if (!t->json) {
		(void)printf("recipient %s", to);
		if (norm[0] != '\0' && strcmp(norm, to) != 0)
			(void)printf(" (%s)", norm);
		if (set->n > 0 && !(set->n == 1 &&
		    strcmp(set->ids[0], norm) == 0)) {
			(void)printf(", reaches");
			for (i = 0; i < set->n; i++)
				(void)printf("%s %s", i == 0 ? "" : ",",
				    set->ids[i]);
		}
		(void)printf(": %s by %s (%s)\n", verdict_names[v->kind],
		    v->rule != NULL ? v->rule : "-", v->reason);
	}
	free(set);
}

static void
pt_print(struct pt *t)
{
	static const char *const what[] = {
		[PT_SEND] = "send",
		[PT_REFUSE] = "refuse",
		[PT_HOLD] = "hold for the owner",
	};
	char	*dump;

	if (t->json) {
		(void)json_object_set_new(t->out, "decision",
		    json_string(t->status == PT_SEND ? "send" :
		    t->status == PT_HOLD ? "hold" : "refuse"));
		(void)json_object_set_new(t->out, "rule",
		    json_string(t->rule != NULL ? t->rule : ""));
		(void)json_object_set_new(t->out, "reason",
		    json_string(t->reason));
		if ((dump = json_dumps(t->out, JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER)) == NULL)
			fatal("json_dumps");
		(void)printf("%s\n", dump);
		free(dump);
		return;
	}
	(void)printf("decision: %s", what[t->status]);
	if (t->rule != NULL)
		(void)printf(" (rule %s: %s)", t->rule, t->reason);
	else if (t->reason[0] != '\0')
		(void)printf(" (%s)", t->reason);
	(void)printf("\n");
}

int
ctl_policy_test(struct call_env *env, int argc, char **argv)
{
	struct pt		 t;
	struct verdict		 v, cv;
	const struct client	*cl;
	const struct channel	*ch = NULL;
	const char		*client = NULL, *chname = NULL, *text = NULL;
	const char		*to[POLICY_TEST_MAX_TO];
	size_t			 nto = 0, i;
	int			 id, k, held = 0;

	memset(&t, 0, sizeof(t));
	for (k = 0; k < argc; k++) {
		if (strcmp(argv[k], "--json") == 0)
			t.json = 1;
		else if (k + 1 >= argc)
			pt_usage();
		else if (strcmp(argv[k], "--client") == 0)
			client = argv[++k];
		else if (strcmp(argv[k], "--channel") == 0)
			chname = argv[++k];
		else if (strcmp(argv[k], "--text") == 0)
			text = argv[++k];
		else if (strcmp(argv[k], "--to") == 0 &&
		    nto < POLICY_TEST_MAX_TO)
			to[nto++] = argv[++k];
		else
			pt_usage();
	}
	if (client == NULL || chname == NULL || nto == 0)
		pt_usage();
	if ((t.out = json_pack("{s:s,s:s}", "client", client, "channel",
	    chname)) == NULL || (t.recipients = json_array()) == NULL)
		fatal("json_pack");
	(void)json_object_set_new(t.out, "recipients", t.recipients);

	if ((cl = find_client(env->cfg, client)) == NULL)
		pt_refuse(&t, "clients", "no client ", client,
		    " in the configuration");
	else if ((id = channel_lookup(chname)) == -1)
		pt_refuse(&t, "channels", "no channel ", chname, "");
	else if ((cl->channels & (1U << id)) == 0)
		pt_refuse(&t, "clients", "the client may not use channel ",
		    chname, "");
	else if (!env->cfg->channels[id].configured)
		pt_refuse(&t, "channels", "channel ", chname,
		    " is not configured");
	else
		ch = &env->cfg->channels[id];

	/* Every recipient, as the pipeline takes them: the first deny wins. */
	for (i = 0; ch != NULL && i < nto; i++) {
		env->client = cl;
		pt_recipient(&t, env, ch, to[i], &v);
		if (v.kind == VERDICT_DENY && t.status != PT_REFUSE) {
			t.status = PT_REFUSE;
			t.rule = v.rule != NULL ? v.rule : "-";
			(void)snprintf(t.reason, sizeof(t.reason), "recipient "
			    "%s: %s", to[i], v.reason);
		} else if (v.kind == VERDICT_HOLD && !held &&
		    t.status == PT_SEND) {
			held = 1;
			t.rule = v.rule != NULL ? v.rule : "-";
			(void)snprintf(t.reason, sizeof(t.reason), "recipient "
			    "%s: %s", to[i], v.reason);
		}
	}
	if (ch != NULL && text != NULL && t.status == PT_SEND) {
		content_check(env->cfg, text, strlen(text), &cv);
		if (!t.json)
			(void)printf("content: %s%s%s\n",
			    verdict_names[cv.kind], cv.rule != NULL ?
			    " by rule " : "", cv.rule != NULL ? cv.rule : "");
		if (cv.kind == VERDICT_DENY) {
			t.status = PT_REFUSE;
			t.rule = cv.rule != NULL ? cv.rule : "content";
			(void)snprintf(t.reason, sizeof(t.reason), "content "
			    "blocked%s%s", cv.reason[0] != '\0' ? ": " : "",
			    cv.reason);
		} else if (cv.kind == VERDICT_HOLD && !held) {
			held = 1;
			t.rule = cv.rule != NULL ? cv.rule : "content";
			(void)snprintf(t.reason, sizeof(t.reason), "content "
			    "held%s%s", cv.reason[0] != '\0' ? ": " : "",
			    cv.reason);
		}
	}
	if (t.status == PT_SEND && held)
		t.status = PT_HOLD;
	else if (t.status == PT_SEND)
		(void)snprintf(t.reason, sizeof(t.reason), "every recipient "
		    "allowed%s; rate limits apply when it is sent",
		    text != NULL ? ", content passes" : "");
	pt_print(&t);
	json_decref(t.out);
	return t.status;
}

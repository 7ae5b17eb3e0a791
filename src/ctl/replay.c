/*
 * carapacectl audit replay: the recorded recipients of past requests
 * decided again under another configuration, listing every request
 * whose recipient decision would change.  Only the recipient decision
 * is replayed: the text of a message is not in the audit chain, so
 * content rules cannot be, and rate limits depend on their time.
 *
 * What a record says of its recipient decision: refused for a
 * recipient (CP_ERR_RECIPIENT_DENIED) is deny; held is hold unless a
 * content rule held it; allowed, or stopped after the recipients had
 * passed (content, rate limit, the tool), is allow.  Records that never
 * reached the recipient decision, "delivering" records (their request
 * has its own), inbound records and the owner's actions are skipped.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compat.h"
#include "ctl.h"
#include "handler.h"
#include "log.h"
#include "policy.h"
#include "protocol.h"
#include "state.h"

static const char *const kind_names[] = {
	[VERDICT_ALLOW] = "allow",
	[VERDICT_DENY] = "deny",
	[VERDICT_HOLD] = "hold",
};

struct replay {
	struct call_env	*env;		/* the new configuration */
	json_t		*cache;		/* "channel|target" -> [kind, rule,
					   reason] */
	uint64_t	 replayed, changed, skipped;
};

/* Is name one of cfg's content rules? */
static int
content_rule(const struct config *cfg, const char *name)
{
	size_t	 i;

	for (i = 0; name != NULL && i < cfg->nrules; i++)
		if (strcmp(cfg->rules[i].name, name) == 0)
			return 1;
	return 0;
}

/*
 * The recorded recipient decision of rec, or -1 when the record did
 * not reach it.
 */
static int
recorded(const struct config *cfg, json_t *rec)
{
	const char	*decision, *outcome, *client, *rule;
	json_int_t	 code;

	decision = json_string_value(json_object_get(rec, "decision"));
	outcome = json_string_value(json_object_get(rec, "outcome"));
	client = json_string_value(json_object_get(rec, "client"));
	rule = json_string_value(json_object_get(rec, "rule"));
	code = json_integer_value(json_object_get(rec, "code"));
	if (decision == NULL || outcome == NULL || client == NULL ||
	    strcmp(client, "carapacectl") == 0 ||
	    strcmp(outcome, "delivering") == 0 ||
	    strcmp(outcome, "hidden") == 0)
		return -1;
	if (code == CP_ERR_RECIPIENT_DENIED)
		return VERDICT_DENY;
	if (code == CP_ERR_HELD)
		return content_rule(cfg, rule) ? VERDICT_ALLOW : VERDICT_HOLD;
	if (code == CP_ERR_CONTENT_BLOCKED || code == CP_ERR_RATE_LIMITED)
		return VERDICT_ALLOW;
	if (code == 0 && strcmp(decision, "allow") == 0)
		return VERDICT_ALLOW;
	return -1;
}

/* One recipient decided under the new configuration (cached). */
static void
decide(struct replay *rp, const struct channel *ch, const char *to,
    struct verdict *v)
{
	struct identity_set	*set;
	json_t			*hit;
	char			 key[ADDR_MAX + 32], norm[ADDR_MAX];

	(void)snprintf(key, sizeof(key), "%s|%s", ch->driver->name, to);
	if ((hit = json_object_get(rp->cache, key)) != NULL) {
		v->kind = (enum verdict_kind)json_integer_value(
		    json_array_get(hit, 0));
		v->rule = json_string_value(json_array_get(hit, 1));
		(void)strlcpy(v->reason, json_string_value(json_array_get(hit,
		    2)), sizeof(v->reason));
		return;
	}
	if ((set = malloc(sizeof(*set))) == NULL)
		fatal("malloc");
	ctl_decide(rp->env, ch, to, norm, sizeof(norm), set, v);
	free(set);
	/* Rules name configuration entries, which live as long as it. */
	if (json_object_set_new(rp->cache, key, json_pack("[i,s,s]",
	    (int)v->kind, v->rule != NULL ? v->rule : "", v->reason)) == -1)
		fatal("json_pack");
}

static int
replay_record(json_t *rec, void *arg)
{
	struct replay		*rp = arg;
	const struct channel	*ch;
	struct verdict		 v, worst;
	json_t			*list, *r;
	const char		*chname, *one, *at = NULL;
	size_t			 i, n;
	int			 id, was;

	chname = json_string_value(json_object_get(rec, "channel"));
	list = json_object_get(rec, "recipients");
	one = json_string_value(json_object_get(rec, "recipient"));
	n = json_is_array(list) ? json_array_size(list) : (one != NULL &&
	    one[0] != '\0');
	if (chname == NULL || n == 0 ||
	    (was = recorded(rp->env->cfg, rec)) == -1)
		return 0;
	if ((id = channel_lookup(chname)) == -1 ||
	    !(ch = &rp->env->cfg->channels[id])->configured) {
		rp->skipped++;
		return 0;
	}
	rp->replayed++;
	worst.kind = VERDICT_ALLOW;
	worst.rule = NULL;
	worst.reason[0] = '\0';
	for (i = 0; i < n; i++) {
		if (json_is_array(list)) {
			r = json_array_get(list, i);
			if ((one = json_string_value(r)) == NULL)
				continue;
		}
		decide(rp, ch, one, &v);
		/* deny over hold over allow, as the pipeline decides. */
		if (v.kind == VERDICT_DENY ? worst.kind != VERDICT_DENY :
		    (v.kind == VERDICT_HOLD && worst.kind == VERDICT_ALLOW)) {
			worst = v;
			at = one;
		}
	}
	if ((int)worst.kind == was)
		return 0;
	rp->changed++;
	(void)printf("%lld %s %s %s",
	    (long long)json_integer_value(json_object_get(rec, "seq")),
	    json_string_value(json_object_get(rec, "ts")),
	    json_string_value(json_object_get(rec, "client")), chname);
	if (json_is_array(list))
		json_array_foreach(list, i, r)
			(void)printf("%s%s", i == 0 ? " " : ",",
			    json_string_value(r) != NULL ?
			    json_string_value(r) : "?");
	else
		(void)printf(" %s", one);
	(void)printf(": was %s", kind_names[was]);
	/* The record's rule is the recipients' unless they had passed. */
	if (json_string_value(json_object_get(rec, "rule")) != NULL &&
	    (was != VERDICT_ALLOW ||
	    json_integer_value(json_object_get(rec, "code")) == 0))
		(void)printf(" (%s)", json_string_value(json_object_get(rec,
		    "rule")));
	(void)printf(", now %s", kind_names[worst.kind]);
	if (worst.rule != NULL && worst.kind != VERDICT_ALLOW)
		(void)printf(" (%s: %s: %s)", worst.rule, at, worst.reason);
	(void)printf("\n");
	return 0;
}

int
ctl_audit_replay(struct state *st, struct call_env *newenv)
{
	struct replay	 rp;
	int		 r;

	memset(&rp, 0, sizeof(rp));
	rp.env = newenv;
	if ((rp.cache = json_object()) == NULL)
		fatal("json_object");
	r = state_audit_foreach(st, 0, replay_record, &rp);
	json_decref(rp.cache);
	if (r != 0)
		fatalx("audit: %s", state_strerror(r));
	(void)printf("%llu requests replayed, %llu would change, %llu on "
	    "channels the new configuration lacks\n",
	    (unsigned long long)rp.replayed, (unsigned long long)rp.changed,
	    (unsigned long long)rp.skipped);
	return rp.changed == 0 ? 0 : 1;
}

/*
 * carapacectl commands.  "check" validates a configuration and prints
 * every problem; "holds" lists, shows, approves (delivers through the
 * same adapter as a live send, and audits it) or drops held requests;
 * "audit verify" walks the hash chain.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "ctl.h"
#include "handler.h"
#include "log.h"
#include "protocol.h"
#include "state.h"
#include "util.h"

struct ctl {
	struct call_env	 env;	/* what a delivery uses */
	const char	*conf;
};

static void	 ctl_check_cmdlines(const struct config *, const char *);

static void __attribute__((__noreturn__))
usage(void)
{
	(void)fprintf(stderr,
	    "usage: carapacectl [-c file] check\n"
	    "       carapacectl [-c file] holds list\n"
	    "       carapacectl [-c file] holds show|approve|drop ID\n"
	    "       carapacectl [-c file] audit verify\n"
	    "       carapacectl [-c file] audit show [FROM]\n");
	exit(2);
}

static int
ctl_check(struct ctl *ctl)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg = NULL;
	const char		*path = config_path(ctl->conf);
	size_t			 i;

	if (config_load(path, 1, &cfg, &errs) == -1) {
		for (i = 0; i < errs.count; i++)
			(void)printf("%s\n", errs.items[i].message);
		(void)printf("%s: %zu problem%s; the gateway refuses to run "
		    "with this file\n", path, errs.count,
		    errs.count == 1 ? "" : "s");
		config_errors_free(&errs);
		return 1;
	}
	(void)printf("%s: configuration OK\n", path);
	ctl_check_cmdlines(cfg, path);
	config_free(cfg);
	return 0;
}

/*
 * Warnings, not failures, that the configured channels' drivers give:
 * for example what of a message still sits on a tool's command line,
 * where every local user can read it while the tool runs, because the
 * real tool has no other way to take it (doc/protocol.md, "Command
 * lines").
 */
static void
ctl_check_cmdlines(const struct config *cfg, const char *path)
{
	const struct channel	*ch;
	size_t			 id, i;

	for (id = 0; id < channel_count; id++) {
		ch = &cfg->channels[id];
		if (!ch->configured || ch->driver->warnings == NULL)
			continue;
		for (i = 0; ch->driver->warnings[i] != NULL; i++)
			(void)printf("%s: warning: channels.%s: %s\n", path,
			    ch->driver->name, ch->driver->warnings[i]);
	}
}

/* Load the configuration and open state and audit; exits on failure. */
static void
ctl_open(struct ctl *ctl, int flags)
{
	struct config_errors	 errs = { NULL, 0 };
	const char		*cause = NULL;
	size_t			 i;
	int			 r;

	if (config_load(config_path(ctl->conf), 1, &ctl->env.cfg, &errs) ==
	    -1) {
		for (i = 0; i < errs.count; i++)
			log_warnx("%s", errs.items[i].message);
		config_errors_free(&errs);
		fatalx("invalid configuration");
	}
	r = state_open(ctl->env.cfg->state_dir, ctl->env.cfg->map_size, flags,
	    &ctl->env.state);
	/* No gateway has run yet: create the (empty) state. */
	if (r != 0 && (flags & STATE_RDONLY))
		r = state_open(ctl->env.cfg->state_dir, ctl->env.cfg->map_size,
		    flags & ~STATE_RDONLY, &ctl->env.state);
	if (r != 0)
		fatalx("state %s: %s", ctl->env.cfg->state_dir,
		    state_strerror(r));
	if (flags & STATE_RDONLY)
		return;
	if ((ctl->env.audit = audit_open(ctl->env.cfg, ctl->env.state,
	    "carapacectl", &cause)) == NULL)
		fatalx("audit: %s", cause);
	ctl->env.peer.uid = getuid();
	ctl->env.peer.gid = getgid();
	ctl->env.peer.pid = getpid();
}

static void
ctl_close(struct ctl *ctl)
{
	audit_close(ctl->env.audit);
	state_close(ctl->env.state);
	config_free(ctl->env.cfg);
}

/*
 * One hold: id, time, client, channel, the recipient that needed
 * approval ("-" when a content rule held it), rule and reason; then,
 * when the message has several recipients or a content rule held it,
 * every recipient on an indented line.  Holds stored before the list
 * have only "recipient".
 */
static int
print_hold(json_t *h, void *arg)
{
	json_t		*list = json_object_get(h, "recipients"), *r;
	const char	*cause;
	char		 ts[40];
	size_t		 i;

	util_iso8601((uint64_t)json_integer_value(json_object_get(h,
	    "created_ms")), ts, sizeof(ts));
	cause = json_string_value(json_object_get(h, "recipient"));
	if (cause == NULL || cause[0] == '\0')
		cause = "-";
	(void)printf("%-12s %s %-8s %-8s %-24s %s: %s\n",
	    json_string_value(json_object_get(h, "id")), ts,
	    json_string_value(json_object_get(h, "client")),
	    json_string_value(json_object_get(h, "channel")), cause,
	    json_string_value(json_object_get(h, "rule")),
	    json_string_value(json_object_get(h, "reason")));
	if (json_array_size(list) > 1 || (json_array_size(list) == 1 &&
	    strcmp(cause, "-") == 0)) {
		(void)printf("    recipients:");
		json_array_foreach(list, i, r)
			(void)printf(" %s", json_string_value(r) != NULL ?
			    json_string_value(r) : "?");
		(void)printf("\n");
	}
	(*(size_t *)arg)++;
	return 0;
}

/* One audit record for an owner action on a hold. */
static int
ctl_audit(struct ctl *ctl, struct call *c, json_t *hold, const char *method)
{
	struct audit_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.uid = ctl->env.peer.uid;
	ev.gid = ctl->env.peer.gid;
	ev.pid = ctl->env.peer.pid;
	ev.client = "carapacectl";
	ev.method = method;
	ev.channel = json_string_value(json_object_get(hold, "channel"));
	ev.recipient = c->recipient[0] != '\0' ? c->recipient :
	    json_string_value(json_object_get(hold, "recipient"));
	ev.recipients = c->recipients != NULL ? c->recipients :
	    json_object_get(hold, "recipients");
	ev.delivery = c->delivery;
	ev.decision = AUDIT_DECISION_ALLOW;
	ev.rule = "owner";
	ev.outcome = c->outcome != AUDIT_OUTCOME_UNSET ? c->outcome :
	    (c->code == 0 ? AUDIT_OUTCOME_OK : AUDIT_OUTCOME_FAILED);
	ev.reason = c->code != 0 ? c->message : NULL;
	ev.hold_id = json_string_value(json_object_get(hold, "id"));
	ev.code = c->code;
	return audit_write(ctl->env.audit, &ev);
}

static void
remove_spool(json_t *hold)
{
	send_unspool(json_object_get(hold, "params"));
}

static int
ctl_holds(struct ctl *ctl, int argc, char **argv)
{
	struct call	 c;
	json_t		*hold = NULL;
	char		*dump;
	size_t		 n = 0;
	int		 id, r, rv = 1;

	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		ctl_open(ctl, STATE_RDONLY);
		if ((r = state_hold_foreach(ctl->env.state, print_hold, &n)) != 0)
			fatalx("holds: %s", state_strerror(r));
		(void)printf("%zu held\n", n);
		ctl_close(ctl);
		return 0;
	}
	if (argc != 2)
		usage();
	if (strcmp(argv[0], "show") == 0) {
		ctl_open(ctl, STATE_RDONLY);
		if ((r = state_hold_get(ctl->env.state, argv[1], &hold)) != 0)
			fatalx("hold %s: %s", argv[1], state_strerror(r));
		dump = json_dumps(hold, JSON_INDENT(2) | JSON_SORT_KEYS);
		(void)printf("%s\n", dump != NULL ? dump : "?");
		free(dump);
		json_decref(hold);
		ctl_close(ctl);
		return 0;
	}
	if (strcmp(argv[0], "approve") != 0 && strcmp(argv[0], "drop") != 0)
		usage();
	ctl_open(ctl, 0);
	if ((r = state_hold_get(ctl->env.state, argv[1], &hold)) != 0)
		fatalx("hold %s: %s", argv[1], state_strerror(r));
	memset(&c, 0, sizeof(c));
	c.env = &ctl->env;
	c.method = "holds.approve";
	c.rule = "owner";
	(void)strlcpy(c.hold_id, argv[1], sizeof(c.hold_id));
	if (strcmp(argv[0], "approve") == 0) {
		id = channel_lookup(json_string_value(json_object_get(hold,
		    "channel")));
		if (id != -1)
			c.adapter = handler_adapter(&ctl->env.cfg->channels[id]);
		r = deliver_hold(&c, hold);
		if (ctl_audit(ctl, &c, hold, "holds.approve") == -1)
			log_warnx("audit record not written");
		if (r == 0) {
			if ((r = state_hold_del(ctl->env.state, argv[1])) != 0)
				log_warnx("hold %s delivered but not removed: "
				    "%s", argv[1], state_strerror(r));
			remove_spool(hold);
			(void)printf("%s: approved and sent to %s\n", argv[1],
			    c.recipient);
			rv = 0;
		} else
			(void)printf("%s: delivery failed, still held: %s\n",
			    argv[1], c.message);
	} else {
		c.outcome = AUDIT_OUTCOME_DROPPED;
		if (ctl_audit(ctl, &c, hold, "holds.drop") == -1)
			fatalx("audit unavailable: hold kept");
		if ((r = state_hold_del(ctl->env.state, argv[1])) != 0)
			fatalx("hold %s: %s", argv[1], state_strerror(r));
		remove_spool(hold);
		(void)printf("%s: dropped\n", argv[1]);
		rv = 0;
	}
	call_clear(&c);
	json_decref(hold);
	ctl_close(ctl);
	return rv;
}

static int
print_record(json_t *rec, void *arg)
{
	char	*s = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);

	(void)printf("%s\n", s != NULL ? s : "?");
	free(s);
	return 0;
}

static int
ctl_audit_cmd(struct ctl *ctl, int argc, char **argv)
{
	uint64_t	 count = 0, bad = 0, from = 1;
	char		 cause[256] = "";
	const char	*errstr;
	int		 r;

	if (argc == 1 && strcmp(argv[0], "verify") == 0) {
		ctl_open(ctl, STATE_RDONLY);
		r = state_audit_verify(ctl->env.state, &count, &bad, cause,
		    sizeof(cause));
		ctl_close(ctl);
		if (r == 0) {
			(void)printf("audit chain OK: %llu records\n",
			    (unsigned long long)count);
			return 0;
		}
		if (r == STATE_E_CORRUPT)
			(void)printf("audit chain BROKEN at record %llu: %s\n",
			    (unsigned long long)bad, cause);
		else
			(void)printf("audit chain unreadable: %s\n",
			    state_strerror(r));
		return 1;
	}
	if (argc >= 1 && argc <= 2 && strcmp(argv[0], "show") == 0) {
		if (argc == 2) {
			from = (uint64_t)strtonum(argv[1], 1, LLONG_MAX,
			    &errstr);
			if (errstr != NULL)
				fatalx("record number %s: %s", argv[1], errstr);
		}
		ctl_open(ctl, STATE_RDONLY);
		r = state_audit_foreach(ctl->env.state, from, print_record, NULL);
		ctl_close(ctl);
		return r == 0 ? 0 : 1;
	}
	usage();
}

int
ctl_main(int argc, char **argv)
{
	struct ctl	ctl;
	int		ch;

	memset(&ctl, 0, sizeof(ctl));
	log_init("carapacectl", LOG_TO_STDERR, 0);
	while ((ch = getopt(argc, argv, "c:")) != -1) {
		switch (ch) {
		case 'c':
			ctl.conf = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (strcmp(argv[0], "check") == 0 && argc == 1)
		return ctl_check(&ctl);
	if (strcmp(argv[0], "holds") == 0 && argc >= 2)
		return ctl_holds(&ctl, argc - 1, argv + 1);
	if (strcmp(argv[0], "audit") == 0 && argc >= 2)
		return ctl_audit_cmd(&ctl, argc - 1, argv + 1);
	usage();
}

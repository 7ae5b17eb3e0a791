/*
 * carapacectl commands.  "check" validates a configuration and prints
 * every problem; "holds" lists, shows, approves (delivers through the
 * same adapter as a live send, and audits it) or drops held requests;
 * "audit verify" walks the hash chain (and archives of it); "audit
 * archive" moves the oldest records to a file and prunes them, leaving
 * a chain that verifies from where the archive ends.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "ctl.h"
#include "doctor.h"
#include "freeze.h"
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
	    "       carapacectl [-c file] doctor [--json] [-g group] "
	    "[-s socket] [-u user]\n"
	    "       carapacectl [-c file] policy test --client NAME "
	    "--channel CH --to X [--to X ...]\n"
	    "                   [--text T] [--json]\n"
	    "       carapacectl [-c file] holds list\n"
	    "       carapacectl [-c file] holds show|approve|drop ID\n"
	    "       carapacectl [-c file] audit verify [ARCHIVE...]\n"
	    "       carapacectl [-c file] audit archive FILE [UPTO]\n"
	    "       carapacectl [-c file] audit show [FROM]\n"
	    "       carapacectl [-c file] audit replay --config NEW\n"
	    "       carapacectl [-c file] freeze [CHANNEL | --list]\n"
	    "       carapacectl [-c file] thaw [CHANNEL]\n");
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

/* policy test: the configuration alone (no state, no audit). */
static int
ctl_policy(struct ctl *ctl, int argc, char **argv)
{
	struct config_errors	 errs = { NULL, 0 };
	size_t			 i;
	int			 r;

	if (config_load(config_path(ctl->conf), 1, &ctl->env.cfg, &errs) ==
	    -1) {
		for (i = 0; i < errs.count; i++)
			log_warnx("%s", errs.items[i].message);
		config_errors_free(&errs);
		fatalx("invalid configuration");
	}
	r = ctl_policy_test(&ctl->env, argc, argv);
	config_free(ctl->env.cfg);
	return r;
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

static int
ctl_holds(struct ctl *ctl, int argc, char **argv)
{
	json_t		*hold = NULL;
	char		*dump, msg[512];
	size_t		 n = 0;
	int		 r, rv;

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
	rv = holds_decide(&ctl->env, argv[1], strcmp(argv[0], "approve") == 0,
	    "carapacectl", msg, sizeof(msg));
	ctl_close(ctl);
	if (rv == -2)
		fatalx("%s", msg);
	(void)printf("%s\n", msg);
	return rv == 0 ? 0 : 1;
}

static int
print_frozen(const char *channel, uint64_t since_ms, void *arg)
{
	char	ts[40];

	util_iso8601(since_ms, ts, sizeof(ts));
	(void)printf("%-8s frozen since %s\n",
	    channel != NULL ? channel : "*", ts);
	(*(size_t *)arg)++;
	return 0;
}

/*
 * freeze [CHANNEL], thaw [CHANNEL] (none: every channel), freeze
 * --list: the owner's freeze, then what is frozen.  Exit 0, or 1 when
 * the change or its record failed.
 */
static int
ctl_freeze(struct ctl *ctl, int frozen, int argc, char **argv)
{
	const char	*channel = argc == 1 ? argv[0] : NULL;
	size_t		 i, n = 0;
	int		 r, all = 0, rv = 0;

	if (argc > 1)
		usage();
	if (frozen && channel != NULL && strcmp(channel, "--list") == 0) {
		ctl_open(ctl, STATE_RDONLY);
		frozen = -1;
	} else {
		if (channel != NULL && channel_lookup(channel) == -1) {
			(void)fprintf(stderr, "carapacectl: unknown channel "
			    "%s; the channels are:", channel);
			for (i = 0; i < channel_count; i++)
				(void)fprintf(stderr, " %s", channel_name(
				    (int)i));
			(void)fprintf(stderr, "\n");
			return 2;
		}
		ctl_open(ctl, 0);
		if (owner_freeze(&ctl->env, channel, frozen,
		    "carapacectl") == -1)
			rv = 1;
		else
			(void)printf("%s %s\n", channel != NULL ? channel :
			    "every channel", frozen ? "frozen: nothing is "
			    "sent on it until thawed" : "thawed");
	}
	if ((r = state_freeze_foreach(ctl->env.state, print_frozen, &n)) != 0)
		fatalx("freeze: %s", state_strerror(r));
	if (n == 0)
		(void)printf("nothing frozen\n");
	if (frozen == 0 && channel != NULL &&
	    state_frozen(ctl->env.state, NULL, &all) == 0 && all)
		(void)printf("%s is still frozen with every channel "
		    "(carapacectl thaw thaws them all)\n", channel);
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

/* Where an archive is being written, and what it holds so far. */
struct archive {
	FILE		*fp;
	uint64_t	 upto;
	uint64_t	 first, last, count;
	char		 hash[STATE_HASH_HEX];
};

static int
archive_record(json_t *rec, void *arg)
{
	struct archive	*ar = arg;
	const char	*h = json_string_value(json_object_get(rec, "hash"));
	uint64_t	 seq;
	char		*s;

	seq = (uint64_t)json_integer_value(json_object_get(rec, "seq"));
	if (seq > ar->upto)
		return 1;
	if (h == NULL || (s = json_dumps(rec, JSON_COMPACT |
	    JSON_SORT_KEYS)) == NULL)
		return -1;
	if (fprintf(ar->fp, "%s\n", s) < 0) {
		free(s);
		return -1;
	}
	free(s);
	if (ar->count++ == 0)
		ar->first = seq;
	ar->last = seq;
	(void)strlcpy(ar->hash, h, sizeof(ar->hash));
	return 0;
}

/*
 * audit archive FILE [UPTO]: the records up to UPTO (default: all but
 * the newest) go to FILE (created, never overwritten), which is synced
 * before they are pruned; the pruning itself is audited.
 */
static int
ctl_audit_archive(struct ctl *ctl, const char *path, const char *upto_arg)
{
	struct archive		 ar;
	struct audit_event	 ev;
	char			 reason[PATH_MAX + 160];
	const char		*errstr;
	uint64_t		 removed = 0;
	int			 fd, r;

	memset(&ar, 0, sizeof(ar));
	ar.upto = UINT64_MAX;
	if (upto_arg != NULL) {
		ar.upto = (uint64_t)strtonum(upto_arg, 1, LLONG_MAX, &errstr);
		if (errstr != NULL)
			fatalx("record number %s: %s", upto_arg, errstr);
	}
	ctl_open(ctl, 0);
	if (upto_arg == NULL) {
		/* All but the newest: the chain keeps its head. */
		uint64_t count = 0, bad = 0;
		char	 cause[80];

		if ((r = state_audit_verify(ctl->env.state, &count, &bad,
		    cause, sizeof(cause))) != 0)
			fatalx("audit chain not archived: %s%s%s",
			    state_strerror(r), cause[0] != '\0' ? ": " : "",
			    cause);
		if (state_audit_base(ctl->env.state, &ar.upto, ar.hash) != 0 ||
		    count < 2)
			fatalx("nothing to archive");
		ar.upto += count - 1;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		fatal("%s", path);
	if ((ar.fp = fdopen(fd, "w")) == NULL)
		fatal("%s", path);
	r = state_audit_foreach(ctl->env.state, 1, archive_record, &ar);
	if (r != 0 || fflush(ar.fp) == EOF || fsync(fileno(ar.fp)) == -1 ||
	    ar.count == 0 || ar.last != ar.upto) {
		(void)fclose(ar.fp);
		(void)unlink(path);
		fatalx("%s: archive not written (%s); nothing pruned", path,
		    r != 0 ? state_strerror(r) : ar.count == 0 ?
		    "no records" : "record UPTO not found");
	}
	if (fclose(ar.fp) == EOF)
		fatal("%s", path);
	r = state_audit_prune(ctl->env.state, ar.upto, ar.hash, &removed);
	if (r == STATE_E_INVALID && removed == 0) {
		(void)unlink(path);
		fatalx("record %llu cannot be archived: the newest record "
		    "stays in the chain", (unsigned long long)ar.upto);
	}
	if (r != 0)
		fatalx("prune: %s (%llu records removed; the archive holds "
		    "them all)", state_strerror(r),
		    (unsigned long long)removed);
	(void)snprintf(reason, sizeof(reason),
	    "archived records %llu to %llu (last hash %s) to %s",
	    (unsigned long long)ar.first, (unsigned long long)ar.last,
	    ar.hash, path);
	memset(&ev, 0, sizeof(ev));
	ev.uid = ctl->env.peer.uid;
	ev.gid = ctl->env.peer.gid;
	ev.pid = ctl->env.peer.pid;
	ev.method = "audit.archive";
	ev.decision = AUDIT_DECISION_ALLOW;
	ev.outcome = AUDIT_OUTCOME_OK;
	ev.rule = "owner";
	ev.reason = reason;
	if (audit_write(ctl->env.audit, &ev) == -1)
		log_warnx("audit record of the archive not written");
	(void)printf("%s\n", reason);
	ctl_close(ctl);
	return 0;
}

/* audit verify [ARCHIVE...]: the archives in order, then the chain. */
static int
ctl_audit_verify(struct ctl *ctl, int argc, char **argv)
{
	uint64_t	 count = 0, bad = 0, seq = 0, base = 0, total = 0;
	char		 cause[256] = "", hash[STATE_HASH_HEX];
	char		 basehash[STATE_HASH_HEX];
	FILE		*fp;
	int		 i, r;

	memset(hash, '0', sizeof(hash) - 1);
	hash[sizeof(hash) - 1] = '\0';
	for (i = 0; i < argc; i++) {
		if ((fp = fopen(argv[i], "r")) == NULL)
			fatal("%s", argv[i]);
		r = state_audit_verify_lines(fp, &seq, hash, &count, &bad,
		    cause, sizeof(cause));
		(void)fclose(fp);
		if (r != 0) {
			(void)printf("archive %s BROKEN at record %llu: %s\n",
			    argv[i], (unsigned long long)bad,
			    r == STATE_E_CORRUPT ? cause : state_strerror(r));
			return 1;
		}
		total += count;
	}
	ctl_open(ctl, STATE_RDONLY);
	if ((r = state_audit_base(ctl->env.state, &base, basehash)) != 0) {
		(void)printf("audit chain unreadable: %s\n", state_strerror(r));
		ctl_close(ctl);
		return 1;
	}
	if (argc > 0 && (seq != base || strcmp(hash, basehash) != 0)) {
		(void)printf("archives end at record %llu, the chain starts "
		    "after record %llu: they do not join\n",
		    (unsigned long long)seq, (unsigned long long)base);
		ctl_close(ctl);
		return 1;
	}
	r = state_audit_verify(ctl->env.state, &count, &bad, cause,
	    sizeof(cause));
	ctl_close(ctl);
	if (r == 0) {
		(void)printf("audit chain OK: %llu records", (unsigned long long)count);
		if (base > 0)
			(void)printf(" after archived record %llu (%s%llu "
			    "archived records checked)", (unsigned long long)base,
			    argc > 0 ? "" : "no archive given, ",
			    (unsigned long long)total);
		(void)printf("\n");
		return 0;
	}
	if (r == STATE_E_CORRUPT)
		(void)printf("audit chain BROKEN at record %llu: %s\n",
		    (unsigned long long)bad, cause);
	else
		(void)printf("audit chain unreadable: %s\n", state_strerror(r));
	return 1;
}

/* audit replay: this configuration's chain, path's policy. */
static int
ctl_replay(struct ctl *ctl, const char *path)
{
	struct config_errors	 errs = { NULL, 0 };
	struct call_env		 newenv;
	size_t			 i;
	int			 r;

	memset(&newenv, 0, sizeof(newenv));
	if (config_load(path, 1, &newenv.cfg, &errs) == -1) {
		for (i = 0; i < errs.count; i++)
			log_warnx("%s", errs.items[i].message);
		config_errors_free(&errs);
		fatalx("%s: invalid configuration", path);
	}
	ctl_open(ctl, STATE_RDONLY);
	r = ctl_audit_replay(ctl->env.state, &newenv);
	ctl_close(ctl);
	config_free(newenv.cfg);
	return r;
}

static int
ctl_audit_cmd(struct ctl *ctl, int argc, char **argv)
{
	uint64_t	 from = 1;
	const char	*errstr;
	int		 r;

	if (argc >= 1 && strcmp(argv[0], "verify") == 0)
		return ctl_audit_verify(ctl, argc - 1, argv + 1);
	if (argc >= 2 && argc <= 3 && strcmp(argv[0], "archive") == 0)
		return ctl_audit_archive(ctl, argv[1],
		    argc == 3 ? argv[2] : NULL);
	if (argc == 3 && strcmp(argv[0], "replay") == 0 &&
	    strcmp(argv[1], "--config") == 0)
		return ctl_replay(ctl, argv[2]);
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
	/* "+": options end at the command (GNU getopt would permute). */
	while ((ch = getopt(argc, argv, "+c:")) != -1) {
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
	if (strcmp(argv[0], "doctor") == 0)
		return doctor_main(ctl.conf, argc, argv);
	if (strcmp(argv[0], "policy") == 0 && argc >= 2 &&
	    strcmp(argv[1], "test") == 0)
		return ctl_policy(&ctl, argc - 2, argv + 2);
	if (strcmp(argv[0], "holds") == 0 && argc >= 2)
		return ctl_holds(&ctl, argc - 1, argv + 1);
	if (strcmp(argv[0], "audit") == 0 && argc >= 2)
		return ctl_audit_cmd(&ctl, argc - 1, argv + 1);
	if (strcmp(argv[0], "freeze") == 0 || strcmp(argv[0], "thaw") == 0)
		return ctl_freeze(&ctl, argv[0][0] == 'f', argc - 1, argv + 1);
	usage();
}

/*
 * carapace-handler: serves one gateway connection, started per
 * connection by systemd (Accept=yes), launchd (inetdCompatibility) or
 * systemd-socket-activate --accept.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "deadline.h"
#include "handler.h"
#include "log.h"
#include "owner.h"
#include "protocol.h"
#include "spawn.h"
#include "state.h"
#include "util.h"

/*
 * Past the normal deadline (requests stop, tools are killed and their
 * outcome recorded, handler.c and tool.c), only something stuck (a
 * state lock, a daemon socket) keeps the process alive: the grace
 * before the last resort.
 */
#define LAST_RESORT_GRACE_S	10
/*
 * Without a valid configuration, how long a refused client may take to
 * finish sending its request (handler_timeout's default).
 */
#define REFUSAL_LINGER_MS	(60 * 1000)

/*
 * The last resort, as OpenSSH's grace alarm: not a flag, because the
 * process is stuck where no flag is read.  It takes the running tool's
 * process group with it, so no tool acts after the process is gone; a
 * delivery it cut off still has its "delivering" record in the chain
 * (a gated tool cut off before its request had none, and got nothing).
 */
static void
last_resort(int sig)
{
	(void)sig;
	spawn_kill_running();
	_exit(2);
}

/*
 * Answer the connection with one error before giving up on it, and let
 * the client finish sending so that the answer reaches it.  cfg may be
 * NULL (an invalid configuration): then the protocol's defaults bound
 * what is read.
 */
static void
refuse_all(int fd, const struct config *cfg, int code, const char *message)
{
	json_t	*e;

	e = rpc_error(NULL, code, message, NULL);
	(void)rpc_write(fd, e);
	json_decref(e);
	handler_linger(fd, (cfg != NULL ? cfg->max_line :
	    RPC_MAX_LINE_DEFAULT) + 1, deadline_in(cfg != NULL ?
	    cfg->handler_timeout_ms : REFUSAL_LINGER_MS));
}

static void __attribute__((__noreturn__))
usage(void)
{
	(void)fprintf(stderr, "usage: carapace-handler [-v] [-c file]\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	struct session		 s;
	struct config_errors	 errs = { NULL, 0 };
	struct sigaction	 sa;
	const char		*conf = NULL, *cause = NULL;
	uint64_t		 budget;
	size_t			 i;
	int			 ch, verbose = 0, r;

	while ((ch = getopt(argc, argv, "c:v")) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("carapace-handler", LOG_TO_STDERR, verbose);
	/*
	 * Before the first JSON object: seeded by jansson itself, every
	 * connection would open and read /dev/urandom.  Still random.
	 */
	json_object_seed(osdep_random32());

	/* Credentials it holds are not root's to hand out. */
	if (geteuid() == 0 || getuid() == 0)
		fatalx("refusing to run as root");
	(void)signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = last_resort;
	(void)sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) == -1)
		fatal("sigaction");
	/* A first hard deadline until the configured one is known. */
	(void)alarm(120);

	memset(&s, 0, sizeof(s));
	s.wake_fd = -1;
	if ((s.fd = peer_connection(&cause)) == -1)
		fatalx("%s", cause);
	/* Identity first, from the kernel, before any byte is read. */
	if (osdep_peer_cred(s.fd, &s.env.peer) == -1)
		fatal("cannot get peer credentials: refusing connection");

	if (config_load(config_path(conf), 1, &s.env.cfg, &errs) == -1) {
		/* Fail closed, audibly: every problem to the log. */
		for (i = 0; i < errs.count; i++)
			log_warnx("%s", errs.items[i].message);
		log_warnx("invalid configuration: refusing uid %u",
		    (unsigned)s.env.peer.uid);
		config_errors_free(&errs);
		refuse_all(s.fd, NULL, CP_ERR_CONFIG_INVALID,
		    "gateway configuration invalid: refusing all requests");
		return 1;
	}
	/*
	 * The connection's deadline: the session's own time and one run
	 * of every channel's tool.  Past it no request starts and a
	 * running tool is killed with its outcome recorded; the alarm is
	 * only the last resort after that.
	 */
	budget = s.env.cfg->handler_timeout_ms;
	for (i = 0; i < channel_count; i++)
		if (s.env.cfg->channels[i].configured)
			budget += s.env.cfg->channels[i].timeout_ms;
	if (budget > 86400 * 1000ULL)
		budget = 86400 * 1000ULL;
	s.env.deadline_ms = util_mono_ms() + budget;
	(void)alarm((unsigned int)(budget / 1000 + LAST_RESORT_GRACE_S));

	if ((r = state_open(s.env.cfg->state_dir, s.env.cfg->map_size, 0,
	    &s.env.state)) != 0) {
		log_warnx("state %s: %s", s.env.cfg->state_dir, state_strerror(r));
		refuse_all(s.fd, s.env.cfg, CP_ERR_STATE_UNAVAILABLE,
		    "gateway state unavailable: refusing all requests");
		config_free(s.env.cfg);
		return 1;
	}
	if ((s.env.audit = audit_open(s.env.cfg, s.env.state, "carapace", &cause)) ==
	    NULL) {
		log_warn("audit: %s", cause);
		refuse_all(s.fd, s.env.cfg, CP_ERR_AUDIT_UNAVAILABLE,
		    "audit unavailable: refusing all requests");
		state_close(s.env.state);
		config_free(s.env.cfg);
		return 1;
	}
	audit_set_floor(s.env.audit, call_reserve(s.env.cfg) / 2);
	owner_install(&s.env);

	if ((s.env.client = peer_match(s.env.cfg, &s.env.peer)) == NULL) {
		handler_refuse(&s, CP_ERR_PEER_UNAUTHORIZED,
		    "peer not authorized");
		/* Nothing it sends is parsed: only waited for. */
		handler_linger(s.fd, s.env.cfg->max_line + 1,
		    deadline_in(s.env.cfg->handler_timeout_ms));
	} else
		handler_serve(&s);

	audit_close(s.env.audit);
	state_close(s.env.state);
	config_free(s.env.cfg);
	close(s.fd);
	return 0;
}

/*
 * The watcher loop: start the channel's tool from the stored position,
 * read its output line by line (bounded), decide each message with
 * inbound policy, publish it (or, when hidden, audit it and move the
 * position only), and restart the tool with backoff when it dies.
 * The service manager hears readiness, counts and the watchdog from
 * this loop (notify.c).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "audit.h"
#include "buf.h"
#include "call.h"
#include "log.h"
#include "owner.h"
#include "policy.h"
#include "spawn.h"
#include "state.h"
#include "util.h"
#include "watch.h"

#define WATCH_MAX_LINE		(1024 * 1024)
#define WATCH_BACKOFF_MIN_MS	250
#define WATCH_BACKOFF_MAX_MS	30000
#define WATCH_HEALTHY_MS	60000	/* a run this long resets backoff */
#define WATCH_MAINTAIN_MS	60000	/* retention and reader checks */
#define WATCH_COMPACT_BATCH	1000
#define WATCH_STATUS_MS		1000	/* STATUS= at most this often */
#define WATCH_OWNER_TICK_MS	10000	/* owner's notices and expiries */

static volatile sig_atomic_t	 watch_quit;

/* The watchers, one file each: the one list of them. */
extern const struct watch_adapter imsg_watch_adapter;
extern const struct watch_adapter signal_watch_adapter;
extern const struct watch_adapter gmail_watch_adapter;
extern const struct watch_adapter discord_watch_adapter;

static const struct watch_adapter *const watchers[] = {
	&imsg_watch_adapter,
	&signal_watch_adapter,
	&gmail_watch_adapter,
	&discord_watch_adapter,
};

struct watcher {
	struct config			*cfg;
	const struct channel		*ch;
	const struct watch_adapter	*ad;
	struct state			*state;
	struct audit			*audit;
	struct call_env			 env;	/* the owner's replies, ticks */
	uint64_t			 position;
	int				 have_position;
	uint64_t			 last_maintain;
	uint64_t			 last_owner_tick;	/* monotonic */
	unsigned long long		 published, hidden, malformed;
	unsigned long long		 consumed;	/* the owner's commands */
	unsigned long long		 restarts;
	int				 stream_open;	/* see watch_alive */
	int				 ready;		/* READY=1 sent */
	uint64_t			 watchdog_ms;	/* WatchdogSec=, or 0 */
	uint64_t			 last_alive;
};

static void
on_signal(int sig)
{
	(void)sig;
	watch_quit = 1;
}

const struct watch_adapter *
watch_adapter(const struct channel *ch)
{
	size_t	 i;

	for (i = 0; i < sizeof(watchers) / sizeof(watchers[0]); i++)
		if (watchers[i]->driver == ch->driver)
			return watchers[i];
	return NULL;
}

static void
watch_status(struct watcher *w)
{
	watch_notify_status("%s %s: %llu published, %llu hidden, "
	    "%llu malformed, %llu restarts", w->ch->driver->name,
	    w->stream_open ? "open" : "reconnecting", w->published,
	    w->hidden, w->malformed, w->restarts);
}

/*
 * Called from every turn of the loop.  WATCHDOG=1 means more than "the
 * loop turns": it is sent only while the stream is open (a streaming
 * tool started, a daemon's subscription confirmed, the last poll
 * complete).  So a loop stuck anywhere, and a tool that cannot start,
 * keeps dying, never answers its subscription or never completes a
 * poll, for WatchdogSec, gets the watcher restarted by systemd.  An
 * open stream that is quiet cannot be told from a hung one (imsg watch
 * prints nothing until a message arrives): it is trusted.
 */
/* How often the loop must come round: a quarter of the watchdog. */
static uint64_t
watch_alive_ms(const struct watcher *w)
{
	if (w->watchdog_ms > 0 && w->watchdog_ms / 4 < WATCH_STATUS_MS)
		return w->watchdog_ms / 4 > 0 ? w->watchdog_ms / 4 : 1;
	return WATCH_STATUS_MS;
}

static void
watch_alive(struct watcher *w)
{
	uint64_t	now = util_mono_ms();

	if (w->last_alive != 0 && now - w->last_alive < watch_alive_ms(w))
		return;
	w->last_alive = now;
	if (w->stream_open && w->watchdog_ms > 0)
		watch_notify_watchdog();
	watch_status(w);
}

/* The stream is open: ready (once), and the watchdog starts now. */
static void
watch_opened(struct watcher *w)
{
	w->stream_open = 1;
	if (!w->ready) {
		w->ready = 1;
		watch_status(w);
		watch_notify_ready();
	}
	w->last_alive = 0;
	watch_alive(w);
}

static void
watch_closed(struct watcher *w)
{
	w->stream_open = 0;
	w->last_alive = 0;
	watch_alive(w);
}

static void
watch_audit_hidden(struct watcher *w, json_t *msg)
{
	struct audit_event	 ev;
	const char		*sender = inbound_sender(w->ch, msg);
	char			 norm[ADDR_MAX];
	enum addr_kind		 kind;

	memset(&ev, 0, sizeof(ev));
	ev.uid = getuid();
	ev.gid = getgid();
	ev.pid = getpid();
	ev.client = "carapace-watch";
	ev.method = "inbox.hide";
	ev.channel = w->ch->driver->name;
	if (sender != NULL && addr_normalize(sender, w->ch->region, norm,
	    sizeof(norm), &kind, NULL) == 0)
		ev.recipient = norm;
	ev.decision = AUDIT_DECISION_DENY;
	ev.rule = "inbound.allow";
	ev.outcome = AUDIT_OUTCOME_HIDDEN;
	if (audit_write(w->audit, &ev) == -1)
		fatalx("audit unavailable: stopping rather than hide "
		    "messages unrecorded");
}

/*
 * Decide and publish one message; exits if the state cannot take it.
 * Returns 0, or -1 when the message cannot be decided yet (its
 * position is not passed: the next run tries it again).
 */
static int
watch_message(struct watcher *w, json_t *msg, uint64_t position)
{
	char		 pos[32];
	uint64_t	 cursor;
	int		 r, visible;

	/* The tool may repeat what it sent before a restart. */
	if (position <= w->position)
		return 0;
	(void)snprintf(pos, sizeof(pos), "%llu", (unsigned long long)position);
	if (w->ad->complete != NULL && w->ad->complete(w->cfg, w->ch,
	    msg) == -1) {
		log_warnx("%s: message at %s cannot be decided yet; "
		    "retrying on the next run", w->ch->driver->name, pos);
		return -1;
	}
	/* The owner's command: applied here, never published. */
	if (owner_reply(&w->env, w->ch, msg)) {
		r = state_inbox_publish(w->state, w->ch->driver->name, NULL,
		    position, util_now_ms(), pos, &cursor);
		if (r != 0)
			fatalx("inbox: %s", state_strerror(r));
		w->position = position;
		w->have_position = 1;
		w->consumed++;
		return 0;
	}
	visible = inbound_message_visible(w->cfg, w->ch, msg) &&
	    inbound_scrub(w->ch, msg) == 0;
	if (!visible)
		watch_audit_hidden(w, msg);
	r = state_inbox_publish(w->state, w->ch->driver->name, visible ? msg : NULL,
	    position, util_now_ms(), pos, &cursor);
	if (r != 0)
		fatalx("inbox: %s", state_strerror(r));
	w->position = position;
	w->have_position = 1;
	if (visible)
		w->published++;
	else
		w->hidden++;
	return 0;
}

/* One line; returns WATCH_PARSE_RESTART when the stream must restart. */
static int
watch_line(struct watcher *w, const char *line, size_t len)
{
	json_t		*msg = NULL;
	uint64_t	 position = 0;
	int		 r;

	r = w->ad->parse(line, len, &msg, &position);
	if (r == 1 && w->ad->counted)
		position = w->position + 1;
	if (r == 1)
		(void)watch_message(w, msg, position);
	else if (r == WATCH_PARSE_OPEN)
		watch_opened(w);
	else if (r == -1) {
		w->malformed++;
		log_warnx("%s: skipping a malformed line (%zu bytes)",
		    w->ch->driver->name, len);
	}
	json_decref(msg);
	return r == WATCH_PARSE_RESTART ? r : 0;
}

static void
sleep_ms(uint64_t ms)
{
	struct timespec	ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	(void)nanosleep(&ts, NULL);	/* a signal cuts it short */
}

/* Sleep, keeping the service manager informed meanwhile. */
static void
watch_sleep(struct watcher *w, uint64_t ms)
{
	uint64_t	chunk;

	while (ms > 0 && !watch_quit) {
		chunk = watch_alive_ms(w);
		if (chunk > ms)
			chunk = ms;
		sleep_ms(chunk);
		ms -= chunk;
		watch_alive(w);
	}
}

/*
 * On an approvals channel, the owner's notices that wait for room in
 * their window and the reply codes past their time (owner_tick), as
 * the watcher's own act.
 */
static void
watch_owner_tick(struct watcher *w)
{
	uint64_t	 now = util_mono_ms();

	if ((w->cfg->owner.approvals & (1U << w->ch->id)) == 0 ||
	    (w->last_owner_tick != 0 &&
	    now - w->last_owner_tick < WATCH_OWNER_TICK_MS))
		return;
	w->last_owner_tick = now;
	owner_tick(&w->env, w->ch, util_now_ms());
}

static void
watch_maintain(struct watcher *w)
{
	size_t		removed;
	uint64_t	now = util_mono_ms();
	int		r;

	watch_owner_tick(w);
	if (now - w->last_maintain < WATCH_MAINTAIN_MS)
		return;
	w->last_maintain = now;
	do {
		r = state_inbox_compact(w->state, w->ch->driver->name,
		    (size_t)w->ch->keep_messages, w->ch->keep_for_ms,
		    util_now_ms(), WATCH_COMPACT_BATCH, &removed);
	} while (r == 0 && removed == WATCH_COMPACT_BATCH && !watch_quit);
	if (r != 0)
		log_warnx("inbox retention: %s", state_strerror(r));
	log_info("%s: %llu published, %llu hidden, %llu malformed",
	    w->ch->driver->name, w->published, w->hidden, w->malformed);
}

/* A polling channel's interval (the configuration's, else the adapter's). */
static uint64_t
watch_poll_ms(const struct watcher *w)
{
	if (w->ad->poll_ms == 0)
		return 0;
	return w->ch->poll_ms > 0 ? w->ch->poll_ms : w->ad->poll_ms;
}

/*
 * How a run ended, for a polling tool: it must exit 0 within its
 * timeout for its output to count as complete.  Returns 0 if so.
 */
static int
watch_run_status(struct watcher *w, struct spawn_stream *st,
    uint64_t started)
{
	int	status;

	while (!watch_quit) {
		if (spawn_stream_exited(st, &status) == 1)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0 ?
			    0 : -1;
		if (util_mono_ms() - started > w->ch->timeout_ms)
			return -1;
		watch_alive(w);
		sleep_ms(10);
	}
	return -1;
}

/*
 * A document tool's run (watch_adapter.document): its whole output,
 * once it exited 0, becomes messages in position order.
 */
static void
watch_document(struct watcher *w, struct buf *out)
{
	json_t		*list, *e, *pos;
	size_t		 i;

	if ((list = w->ad->document(out->data != NULL ? out->data : "",
	    out->len)) == NULL) {
		w->malformed++;
		log_warnx("%s: the tool's output is malformed (%zu bytes)",
		    w->ch->driver->name, out->len);
		return;
	}
	json_array_foreach(list, i, e) {
		pos = json_object_get(e, "position");
		if (!json_is_integer(pos) || json_integer_value(pos) < 1 ||
		    !json_is_object(json_object_get(e, "message"))) {
			w->malformed++;
			continue;
		}
		/* In position order: nothing past one left undecided. */
		if (watch_message(w, json_object_get(e, "message"),
		    (uint64_t)json_integer_value(pos)) == -1)
			break;
	}
	json_decref(list);
}

/*
 * One run of the tool; returns when it ends or on a signal.  A
 * streaming tool runs until it dies; a polling tool prints what is new
 * and exits.  Returns 0 for a polling run that completed, else -1.
 */
static int
watch_stream(struct watcher *w)
{
	struct tool_argv	 a;
	struct spawn_stream	 st;
	struct linereader	 lr;
	struct pollfd		 pfd;
	struct buf		 doc;
	char			*line;
	size_t			 len;
	uint64_t		 started = util_mono_ms();
	int			 r, rv = -1, fd, overflow = 0;

	memset(&a, 0, sizeof(a));
	if (w->ad->connect != NULL) {
		/* A daemon's stream: no tool to start. */
		if ((fd = w->ad->connect(w->ch)) == -1)
			return -1;
	} else {
		if (w->ad->argv(w->cfg, w->ch, w->position, w->have_position,
		    &a) == -1)
			fatalx("%s: cannot build the tool's command line",
			    w->ch->driver->name);
		if (spawn_stream_start(w->ch->tool, (char *const *)a.v,
		    spawn_default_env(), &st) == -1) {
			log_warn("%s: cannot start %s", w->ch->driver->name,
			    w->ch->tool);
			return -1;
		}
		if (watch_poll_ms(w) == 0) {
			log_info("%s: started %s from position %llu",
			    w->ch->driver->name, w->ch->tool,
			    (unsigned long long)w->position);
			/* A streaming tool has no handshake: started is open. */
			watch_opened(w);
		}
		fd = st.out;
	}
	linereader_init(&lr, fd, WATCH_MAX_LINE);
	buf_init(&doc, w->ch->max_output);
	while (!watch_quit) {
		watch_alive(w);
		r = linereader_next(&lr, &line, &len);
		if (r == LINE_OK && w->ad->document != NULL) {
			if (buf_append(&doc, line, len) == -1 ||
			    buf_append(&doc, "\n", 1) == -1)
				overflow = 1;
			continue;
		}
		if (r == LINE_OK) {
			if (watch_line(w, line, len) == WATCH_PARSE_RESTART)
				break;
			continue;
		}
		if (r == LINE_EOF) {
			if (watch_poll_ms(w) > 0)
				rv = watch_run_status(w, &st, started);
			if (rv == 0 && w->ad->document != NULL) {
				if (overflow) {
					log_warnx("%s: output over max_output",
					    w->ch->driver->name);
					rv = -1;
				} else
					watch_document(w, &doc);
			}
			break;
		}
		if (r == LINE_TOOLONG) {
			/* Resynchronising mid-stream is guesswork: restart. */
			log_warnx("%s: line longer than %d bytes; restarting",
			    w->ch->driver->name, WATCH_MAX_LINE);
			break;
		}
		if (watch_poll_ms(w) > 0 &&
		    util_mono_ms() - started > w->ch->timeout_ms) {
			log_warnx("%s: %s ran past its timeout; killed",
			    w->ch->driver->name, w->ch->tool);
			break;
		}
		/* A daemon that never confirms the subscription: reconnect. */
		if (w->ad->connect != NULL && !w->stream_open &&
		    util_mono_ms() - started > w->ch->timeout_ms) {
			log_warnx("%s: the subscription was not answered "
			    "within the timeout; reconnecting",
			    w->ch->driver->name);
			break;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)watch_alive_ms(w)) <= 0) {
			watch_maintain(w);
			continue;
		}
		r = linereader_fill(&lr);
		if (r == LINE_ERROR && errno != EINTR && errno != EAGAIN)
			break;
	}
	buf_free(&doc);
	linereader_free(&lr);
	if (w->ad->connect != NULL)
		close(fd);
	else
		spawn_stream_stop(&st);
	return rv;
}

/*
 * One watcher per channel: two would each publish what the tool prints
 * and the inbox would hold everything twice.  The lock goes with the
 * process, however it dies.
 */
static void
watch_lock(const struct config *cfg, const char *channel)
{
	char	path[1024];
	int	fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/watch-%s.lock",
	    cfg->state_dir, channel) >= sizeof(path))
		fatalx("state_dir too long");
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1)
		fatal("%s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			fatalx("another carapace-watch %s is running", channel);
		fatal("lock %s", path);
	}
	/* Held open (and locked) until the process exits. */
}

static void __attribute__((__noreturn__))
usage(void)
{
	(void)fprintf(stderr, "usage: carapace-watch [-v] [-c file] "
	    "[-s position] channel\n");
	exit(1);
}

int
watch_main(int argc, char **argv)
{
	struct watcher		 w;
	struct config_errors	 errs = { NULL, 0 };
	struct sigaction	 sa;
	const char		*conf = NULL, *cause = NULL;
	char			 pos[STATE_POSITION_MAX];
	const char		*errstr, *start = NULL;
	uint64_t		 backoff = WATCH_BACKOFF_MIN_MS, started;
	size_t			 i;
	int			 ch, id, verbose = 0, r;

	while ((ch = getopt(argc, argv, "c:s:v")) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 's':
			start = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	log_init("carapace-watch", LOG_TO_STDERR, verbose);
	if (geteuid() == 0 || getuid() == 0)
		fatalx("refusing to run as root");

	memset(&w, 0, sizeof(w));
	if ((id = channel_lookup(argv[optind])) == -1)
		fatalx("unknown channel %s", argv[optind]);
	if (config_load(config_path(conf), 1, &w.cfg, &errs) == -1) {
		for (i = 0; i < errs.count; i++)
			log_warnx("%s", errs.items[i].message);
		config_errors_free(&errs);
		fatalx("invalid configuration: not watching");
	}
	w.ch = &w.cfg->channels[id];
	if ((w.ad = watch_adapter(w.ch)) == NULL)
		fatalx("channel %s has no watcher in this version",
		    argv[optind]);
	if (!w.ch->configured ||
	    (w.ad->connect == NULL && w.ch->tool == NULL))
		fatalx("channel %s is not configured", w.ch->driver->name);
	if ((r = state_open(w.cfg->state_dir, w.cfg->map_size, 0,
	    &w.state)) != 0)
		fatalx("state %s: %s", w.cfg->state_dir, state_strerror(r));
	watch_lock(w.cfg, w.ch->driver->name);
	if ((w.audit = audit_open(w.cfg, w.state, "carapace-watch",
	    &cause)) == NULL)
		fatalx("audit: %s", cause);
	w.env.cfg = w.cfg;
	w.env.state = w.state;
	w.env.audit = w.audit;
	w.env.peer.uid = getuid();
	w.env.peer.gid = getgid();
	w.env.peer.pid = getpid();
	owner_install(&w.env);
	if ((r = state_watch_position(w.state, w.ch->driver->name, pos,
	    sizeof(pos))) != 0)
		fatalx("state: %s", state_strerror(r));
	/* A stored position wins; -s only says where a first run starts. */
	if (pos[0] == '\0' && start != NULL)
		(void)strlcpy(pos, start, sizeof(pos));
	if (pos[0] != '\0') {
		w.position = (uint64_t)strtonum(pos, 0, LLONG_MAX, &errstr);
		if (errstr != NULL)
			fatalx("position %s is %s", pos, errstr);
		w.have_position = 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	w.watchdog_ms = watch_notify_watchdog_ms();

	while (!watch_quit) {
		started = util_mono_ms();
		r = watch_stream(&w);
		if (watch_quit)
			break;
		if (watch_poll_ms(&w) > 0 && r == 0) {
			/* A completed poll: the next one on the timer. */
			backoff = WATCH_BACKOFF_MIN_MS;
			watch_opened(&w);
			watch_maintain(&w);
			watch_sleep(&w, watch_poll_ms(&w));
			continue;
		}
		w.restarts++;
		watch_closed(&w);
		if (util_mono_ms() - started >= WATCH_HEALTHY_MS)
			backoff = WATCH_BACKOFF_MIN_MS;
		log_warnx("%s: tool ended; restarting in %llu ms",
		    w.ch->driver->name, (unsigned long long)backoff);
		watch_sleep(&w, backoff);
		backoff = backoff * 2 > WATCH_BACKOFF_MAX_MS ?
		    WATCH_BACKOFF_MAX_MS : backoff * 2;
	}
	watch_notify_stopping();
	log_info("%s: stopping: %llu published, %llu hidden, %llu malformed, "
	    "%llu owner's commands", w.ch->driver->name, w.published,
	    w.hidden, w.malformed, w.consumed);
	audit_close(w.audit);
	state_close(w.state);
	config_free(w.cfg);
	return 0;
}

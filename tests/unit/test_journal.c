/*
 * The journald native protocol encoder and sender, checked by decoding
 * what arrives on a datagram socket the test binds (journald itself does
 * not run here), including the sealed-memfd path for large entries.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "audit.h"
#include "buf.h"

/* Decode one native-protocol entry; returns the value of key or NULL. */
static char *
decode_field(const char *data, size_t len, const char *key, size_t *vlen)
{
	const char	*p = data, *end = data + len, *nl, *eq;
	size_t		 klen, n;
	uint64_t	 l;
	int		 k;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		assert_non_null(nl);
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq != NULL) {
			klen = (size_t)(eq - p);
			if (klen == strlen(key) && memcmp(p, key, klen) == 0) {
				n = (size_t)(nl - eq - 1);
				*vlen = n;
				return strndup(eq + 1, n);
			}
			p = nl + 1;
			continue;
		}
		/* Binary-safe form: KEY\n <u64 le> value \n */
		klen = (size_t)(nl - p);
		assert_true(end - nl > 9);
		for (l = 0, k = 7; k >= 0; k--)
			l = (l << 8) | (unsigned char)nl[1 + k];
		assert_true((uint64_t)(end - (nl + 9)) >= l + 1);
		if (klen == strlen(key) && memcmp(p, key, klen) == 0) {
			char *v = malloc(l + 1);
			memcpy(v, nl + 9, l);
			v[l] = '\0';
			*vlen = l;
			return v;
		}
		assert_int_equal(nl[9 + l], '\n');
		p = nl + 9 + l + 1;
	}
	return NULL;
}

static void
test_encode_simple(void **state)
{
	struct journal_field	f[] = {
		{ "MESSAGE", "hello", 5 },
		{ "PRIORITY", "6", 1 },
	};
	struct buf		b;

	buf_init(&b, 4096);
	assert_int_equal(journal_encode(f, 2, &b), 0);
	assert_int_equal(b.len, strlen("MESSAGE=hello\nPRIORITY=6\n"));
	assert_memory_equal(b.data, "MESSAGE=hello\nPRIORITY=6\n", b.len);
	buf_free(&b);
}

static void
test_encode_newline_binary_safe(void **state)
{
	const char		 v[] = "line1\nline2=x";
	struct journal_field	 f[] = { { "MESSAGE", v, sizeof(v) - 1 } };
	struct buf		 b;
	char			*got;
	size_t			 n;

	buf_init(&b, 4096);
	assert_int_equal(journal_encode(f, 1, &b), 0);
	/* KEY \n len(8) value \n */
	assert_int_equal(b.len, 7 + 1 + 8 + sizeof(v) - 1 + 1);
	assert_memory_equal(b.data, "MESSAGE\n", 8);
	assert_int_equal((unsigned char)b.data[8], sizeof(v) - 1);
	assert_int_equal(b.data[9], 0);
	got = decode_field(b.data, b.len, "MESSAGE", &n);
	assert_non_null(got);
	assert_int_equal(n, sizeof(v) - 1);
	assert_memory_equal(got, v, n);
	free(got);
	buf_free(&b);
}

static void
test_encode_rejects_bad_keys(void **state)
{
	struct journal_field	bad[] = {
		{ "message", "x", 1 }, { "_PID", "1", 1 }, { "1A", "x", 1 },
		{ "", "x", 1 }, { "A=B", "x", 1 },
	};
	struct buf		b;
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_init(&b, 4096);
		assert_int_equal(journal_encode(&bad[i], 1, &b), -1);
		buf_free(&b);
	}
}

static void
test_encode_bounded(void **state)
{
	char			 big[200];
	struct journal_field	 f[] = { { "MESSAGE", big, sizeof(big) } };
	struct buf		 b;

	memset(big, 'x', sizeof(big));
	buf_init(&b, 100);
	assert_int_equal(journal_encode(f, 1, &b), -1);
	buf_free(&b);
}

static int
bind_receiver(char *path, size_t len)
{
	struct sockaddr_un	sun;
	int			fd;
	char			dir[] = "/tmp/cp-journal.XXXXXX";

	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, len, "%s/socket", dir);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static void
cleanup_receiver(int fd, const char *path)
{
	char	dir[256];

	close(fd);
	(void)unlink(path);
	(void)strlcpy(dir, path, sizeof(dir));
	*strrchr(dir, '/') = '\0';
	(void)rmdir(dir);
}

/* Receive one datagram, or the memfd it carries, into out. */
static void
receive_entry(int fd, struct buf *out, int *via_memfd)
{
	static char	 data[1 << 16];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	ssize_t		 n;
	int		 mfd = -1;
	char		 chunk[4096];

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = data;
	iov.iov_len = sizeof(data);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	n = recvmsg(fd, &msg, 0);
	assert_true(n >= 0);
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg))
		if (cmsg->cmsg_type == SCM_RIGHTS)
			memcpy(&mfd, CMSG_DATA(cmsg), sizeof(int));
	*via_memfd = mfd != -1;
	if (mfd == -1) {
		assert_int_equal(buf_append(out, data, (size_t)n), 0);
		return;
	}
	/* journald requires the memfd to be sealed. */
	assert_true(fcntl(mfd, F_GET_SEALS) & F_SEAL_WRITE);
	assert_int_equal(lseek(mfd, 0, SEEK_SET), 0);
	while ((n = read(mfd, chunk, sizeof(chunk))) > 0)
		assert_int_equal(buf_append(out, chunk, (size_t)n), 0);
	close(mfd);
}

static void
test_send_datagram(void **state)
{
	char			 path[256], *v;
	struct journal_field	 f[] = {
		{ "MESSAGE", "audit {\"a\":1}", 14 },
		{ "CARAPACE_SEQ", "42", 2 },
	};
	struct buf		 entry, got;
	int			 rfd, sfd, memfd;
	size_t			 n;

	rfd = bind_receiver(path, sizeof(path));
	sfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	buf_init(&entry, 4096);
	assert_int_equal(journal_encode(f, 2, &entry), 0);
	assert_int_equal(journal_send(sfd, path, &entry), 0);
	buf_init(&got, 1 << 20);
	receive_entry(rfd, &got, &memfd);
	assert_false(memfd);
	v = decode_field(got.data, got.len, "CARAPACE_SEQ", &n);
	assert_string_equal(v, "42");
	free(v);
	v = decode_field(got.data, got.len, "MESSAGE", &n);
	assert_string_equal(v, "audit {\"a\":1}");
	free(v);
	buf_free(&entry);
	buf_free(&got);
	close(sfd);
	cleanup_receiver(rfd, path);
}

static void
test_send_large_uses_memfd(void **state)
{
	char			 path[256], *v, *big;
	size_t			 bigsz = 4 << 20, n;
	struct journal_field	 f[1];
	struct buf		 entry, got;
	int			 rfd, sfd, memfd;

	big = malloc(bigsz);
	memset(big, 'q', bigsz);
	big[100] = '\n';	/* forces the binary-safe form as well */
	f[0].key = "MESSAGE";
	f[0].value = big;
	f[0].len = bigsz;
	rfd = bind_receiver(path, sizeof(path));
	sfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	buf_init(&entry, 8 << 20);
	assert_int_equal(journal_encode(f, 1, &entry), 0);
	assert_int_equal(journal_send(sfd, path, &entry), 0);
	buf_init(&got, 8 << 20);
	receive_entry(rfd, &got, &memfd);
	assert_true(memfd);
	v = decode_field(got.data, got.len, "MESSAGE", &n);
	assert_non_null(v);
	assert_int_equal(n, bigsz);
	assert_memory_equal(v, big, bigsz);
	free(v);
	free(big);
	buf_free(&entry);
	buf_free(&got);
	close(sfd);
	cleanup_receiver(rfd, path);
}

static void
test_send_no_daemon(void **state)
{
	struct journal_field	 f[] = { { "MESSAGE", "x", 1 } };
	struct buf		 entry;
	int			 sfd;

	sfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	buf_init(&entry, 4096);
	assert_int_equal(journal_encode(f, 1, &entry), 0);
	assert_int_equal(journal_send(sfd, "/nonexistent/journal.sock",
	    &entry), -1);
	buf_free(&entry);
	close(sfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_simple),
		cmocka_unit_test(test_encode_newline_binary_safe),
		cmocka_unit_test(test_encode_rejects_bad_keys),
		cmocka_unit_test(test_encode_bounded),
		cmocka_unit_test(test_send_datagram),
		cmocka_unit_test(test_send_large_uses_memfd),
		cmocka_unit_test(test_send_no_daemon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

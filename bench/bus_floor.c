/*
 * The floor of a small request/reply through nats-server in C: bench/bus_floor.py without
 * the interpreter, and with a second way to wait.
 *
 * Two processes speak the bare NATS text protocol over TCP (no client library): a forked
 * responder answers SUBJECT with REPLY_BYTES bytes, the requester sends REQUEST_BYTES on
 * SUBJECT and waits for the whole reply. MODE says how the requester waits:
 *   block  a blocking read(): the thread sleeps until the kernel wakes it;
 *   spin   recv(MSG_DONTWAIT) in a loop: the thread never sleeps, so no wake-up is paid on
 *          the requester's side (at the price of a whole core while it waits).
 * The responder always blocks.
 *
 * Driven over stdin/stdout by bench/bus_floor_c.ts like the Python floor: each line "N" runs
 * N round trips and answers one line of N times in microseconds; end of input stops both
 * processes.
 *
 * Usage: bus_floor HOST PORT SUBJECT REQUEST_BYTES REPLY_BYTES block|spin
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A connection with a read buffer. */
typedef struct {
  int fd;
  int spin;
  char buf[1 << 16];
  size_t start, end;
} Conn;

static void die(const char *what) {
  fprintf(stderr, "bus_floor: %s: %s\n", what, errno ? strerror(errno) : "protocol error");
  exit(1);
}

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void send_all(Conn *c, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      die("send");
    }
    p += w;
    n -= (size_t)w;
  }
}

/* Reads more bytes into the buffer (compacting it first); 0 when the peer closed. */
static int fill(Conn *c) {
  if (c->start > 0) {
    memmove(c->buf, c->buf + c->start, c->end - c->start);
    c->end -= c->start;
    c->start = 0;
  }
  if (c->end == sizeof c->buf) die("message larger than the buffer");
  for (;;) {
    ssize_t r = c->spin ? recv(c->fd, c->buf + c->end, sizeof c->buf - c->end, MSG_DONTWAIT)
                        : recv(c->fd, c->buf + c->end, sizeof c->buf - c->end, 0);
    if (r > 0) {
      c->end += (size_t)r;
      return 1;
    }
    if (r == 0) return 0;
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) die("recv");
  }
}

/* The next line (without CRLF, NUL-terminated in place); NULL when the peer closed. */
static char *read_line(Conn *c) {
  for (;;) {
    char *s = c->buf + c->start;
    char *e = memmem(s, c->end - c->start, "\r\n", 2);
    if (e) {
      *e = 0;
      c->start = (size_t)(e + 2 - c->buf);
      return s;
    }
    if (!fill(c)) return NULL;
  }
}

/* Skips `n` payload bytes and their CRLF; 0 when the peer closed. */
static int skip_payload(Conn *c, size_t n) {
  while (c->end - c->start < n + 2) {
    if (!fill(c)) return 0;
  }
  c->start += n + 2;
  return 1;
}

static void connect_to(Conn *c, const char *host, const char *port, int spin) {
  struct addrinfo hints = {0}, *ai;
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, port, &hints, &ai) != 0) die("getaddrinfo");
  c->fd = socket(ai->ai_family, ai->ai_socktype, 0);
  if (c->fd < 0 || connect(c->fd, ai->ai_addr, ai->ai_addrlen) != 0) die("connect");
  freeaddrinfo(ai);
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->spin = spin;
  c->start = c->end = 0;
  if (!read_line(c)) die("INFO");
  const char *hello =
      "CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1,\"headers\":false}\r\n";
  send_all(c, hello, strlen(hello));
}

static void subscribe(Conn *c, const char *subject) {
  char line[512];
  int n = snprintf(line, sizeof line, "SUB %s 1\r\nPING\r\n", subject);
  send_all(c, line, (size_t)n);
  for (;;) {
    char *l = read_line(c);
    if (!l) die("SUB");
    if (strcmp(l, "PONG") == 0) return;
  }
}

/*
 * The next MSG: its reply subject copied into `reply` (empty when none) and its payload
 * size; PINGs on the way are answered. -1 when the peer closed.
 */
static long read_msg(Conn *c, char *reply, size_t reply_size) {
  for (;;) {
    char *l = read_line(c);
    if (!l) return -1;
    if (strncmp(l, "PING", 4) == 0) {
      send_all(c, "PONG\r\n", 6);
      continue;
    }
    if (strncmp(l, "MSG ", 4) != 0) continue;
    char *f[5];
    int k = 0;
    for (char *t = strtok(l + 4, " "); t && k < 5; t = strtok(NULL, " ")) f[k++] = t;
    if (k < 3) die("MSG line");
    long size = strtol(f[k - 1], NULL, 10);
    snprintf(reply, reply_size, "%s", k == 4 ? f[2] : "");
    if (!skip_payload(c, (size_t)size)) return -1;
    return size;
  }
}

/* PUB `subject` [`reply`] with `n` bytes of `fill`, into `out`; its length. */
static size_t frame(char *out, size_t cap, const char *subject, const char *reply, long n,
                    char fillc) {
  int h = snprintf(out, cap, "PUB %s%s%s %ld\r\n", subject, *reply ? " " : "", reply, n);
  if (h < 0 || (size_t)h + (size_t)n + 2 > cap) die("frame too large");
  memset(out + h, fillc, (size_t)n);
  memcpy(out + h + n, "\r\n", 2);
  return (size_t)h + (size_t)n + 2;
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: bus_floor HOST PORT SUBJECT REQUEST_BYTES REPLY_BYTES block|spin\n");
    return 2;
  }
  const char *host = argv[1], *port = argv[2], *subject = argv[3];
  long request_bytes = strtol(argv[4], NULL, 10), reply_bytes = strtol(argv[5], NULL, 10);
  int spin = strcmp(argv[6], "spin") == 0;
  if (!spin && strcmp(argv[6], "block") != 0) die("mode is block or spin");
  static Conn rs, cs;
  static char out[1 << 16], to[512];
  connect_to(&rs, host, port, 0);
  subscribe(&rs, subject);
  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    for (;;) {
      if (read_msg(&rs, to, sizeof to) < 0) _exit(0);
      size_t n = frame(out, sizeof out, to, "", reply_bytes, 'r');
      send_all(&rs, out, n);
    }
  }
  close(rs.fd);
  char inbox[64];
  snprintf(inbox, sizeof inbox, "_CFLOOR.%d", (int)getpid());
  connect_to(&cs, host, port, spin);
  subscribe(&cs, inbox);
  size_t request_len = frame(out, sizeof out, subject, inbox, request_bytes, 'q');
  printf("ready\n");
  fflush(stdout);
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    long n = strtol(line, NULL, 10);
    for (long i = 0; i < n; i++) {
      double t0 = now_us();
      send_all(&cs, out, request_len);
      long got = read_msg(&cs, to, sizeof to);
      double dt = now_us() - t0;
      if (got != reply_bytes) {
        fprintf(stderr, "bus_floor: reply of %ld bytes, expected %ld\n", got, reply_bytes);
        kill(child, SIGTERM);
        return 1;
      }
      printf(i + 1 < n ? "%.1f " : "%.1f", dt);
    }
    printf("\n");
    fflush(stdout);
  }
  kill(child, SIGTERM);
  waitpid(child, NULL, 0);
  return 0;
}

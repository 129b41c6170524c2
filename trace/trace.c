// SPDX-License-Identifier: GPL-2.0
/*
 * Starting and ending a trace session, and the host-side events (lifecycle, console).
 *
 * Trace directory layout:
 *   DIR/metadata            CTF 1.8 TSDL (written first, complete before any record)
 *   DIR/vcpu<N>, DIR/host   CTF stream files
 *   DIR/rings/<stream>.ring the rings (removed when the session ends cleanly; after a crash
 *                           `vmscope recover DIR` turns their committed records into packets)
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/err.h"
#include "session.h"

static int trace_mkdir(const char *path)
{
	char buf[4096], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return err__set(errno, "cannot create directory %s: %s", buf,
					strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return err__set(errno, "cannot create trace directory %s: %s", buf,
				strerror(errno));
	return 0;
}

/* "<prefix><digits>" */
static int trace_numbered(const char *n, const char *prefix)
{
	size_t i, len = strlen(prefix);

	if (strncmp(n, prefix, len) || !n[len])
		return 0;
	for (i = len; n[i]; i++)
		if (n[i] < '0' || n[i] > '9')
			return 0;
	return 1;
}

/* Names a previous trace may have left: metadata, host, vcpu<N>, kernel<N>, rings. */
static int trace_own_name(const char *n)
{
	if (!strcmp(n, "metadata") || !strcmp(n, "host") || !strcmp(n, "rings"))
		return 1;
	return trace_numbered(n, "vcpu") || trace_numbered(n, "kernel");
}

static void trace_clear_rings(const char *dir)
{
	char path[4200];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/rings", dir);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n > 5 && !strcmp(e->d_name + n - 5, ".ring")) {
			snprintf(path, sizeof(path), "%s/rings/%s", dir, e->d_name);
			unlink(path);
		}
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/rings", dir);
	rmdir(path);
}

/*
 * Make dir an empty trace directory.  A previous vmscope trace there is replaced; anything
 * else is refused, since babeltrace2 would try to read every file as a stream.
 */
static int trace_prepare_dir(const char *dir)
{
	char path[4200];
	struct dirent *e;
	DIR *d;
	int ret = trace_mkdir(dir);

	if (ret)
		return ret;
	d = opendir(dir);
	if (!d)
		return err__set(errno, "cannot read trace directory %s: %s", dir, strerror(errno));
	while ((e = readdir(d)) && !ret) {
		if (e->d_name[0] == '.')
			continue;
		if (!trace_own_name(e->d_name))
			ret = err__set(EEXIST,
				       "trace directory %s holds '%s', which is not part of a "
				       "vmscope trace; give an empty or new directory",
				       dir, e->d_name);
	}
	closedir(d);
	if (ret)
		return ret;
	trace_clear_rings(dir);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] != '.' && strcmp(e->d_name, "rings")) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	}
	if (d)
		closedir(d);
	snprintf(path, sizeof(path), "%s/rings", dir);
	return trace_mkdir(path);
}

static int trace_open_stream(struct trace_session *s, int i)
{
	struct trace_stream *t = &s->streams[i];
	char path[4200], name[32];
	int ret;

	if (i < s->nr_vcpus)
		t->stream_id = i;
	else if (i == s->nr_vcpus)
		t->stream_id = TRACE_STREAM_HOST;
	else
		t->stream_id = TRACE_STREAM_KERNEL(i - s->nr_vcpus - 1);
	ctf__stream_name(t->stream_id, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/rings/%s.ring", s->dir, name);
	t->ring.fd = -1;
	t->out.fd = -1;
	ret = trace_ring__create(&t->ring, path, t->stream_id, s->ring_size, s->opts.overwrite);
	if (!ret)
		ret = ctf_stream__open(&t->out, s->dir, t->stream_id, 0);
	t->out.opaque = s;
	return ret;
}

static void trace_free(struct trace_session *s)
{
	int i;

	for (i = 0; s->streams && i < s->nr_streams; i++) {
		trace_ring__close(&s->streams[i].ring);
		if (s->streams[i].out.fd >= 0)
			close(s->streams[i].out.fd);
	}
	pthread_mutex_destroy(&s->host_lock);
	pthread_mutex_destroy(&s->out_lock);
	free(s->streams);
	free(s->dump_buf);
	free(s);
}

/* Append `key = "value";` to env (quotes and backslashes of value dropped), if it fits. */
static void env_add(char *env, size_t size, const char *key, const char *value)
{
	size_t len = strlen(env);
	int n = snprintf(env + len, size - len, "\t%s = \"", key);

	if (n < 0 || (size_t)n >= size - len) {
		env[len] = '\0';
		return;
	}
	len += n;
	for (; *value && len < size - 4; value++)
		if (*value != '"' && *value != '\\' && (unsigned char)*value >= 0x20)
			env[len++] = *value;
	snprintf(env + len, size - len, "\";\n");
}

static int trace_setup(struct trace_session *s)
{
	char env[2048];
	int i, ret;

	s->streams = calloc(s->nr_streams, sizeof(*s->streams));
	if (s->opts.overwrite)
		s->dump_buf = malloc(s->ring_size);
	if (!s->streams || (s->opts.overwrite && !s->dump_buf))
		return err__set(ENOMEM, "out of memory setting up the trace");
	for (i = 0; i < s->nr_streams; i++) {
		s->streams[i].ring.fd = -1;
		s->streams[i].out.fd = -1;
	}
	for (i = 0; i < s->nr_streams; i++) {
		ret = trace_open_stream(s, i);
		if (ret)
			return ret;
	}
	snprintf(env, sizeof(env), "\tbuffer_size = %llu;\n\toverwrite = %d;\n%s%s%s",
		 (unsigned long long)s->ring_size, s->opts.overwrite,
		 s->opts.kernel_probes ? "\tkernel_probes = \"" : "",
		 s->opts.kernel_probes ? s->opts.kernel_probes : "",
		 s->opts.kernel_probes ? "\";\n" : "");
	for (i = 0; s->opts.env && s->opts.env[i] && s->opts.env[i + 1]; i += 2)
		env_add(env, sizeof(env), s->opts.env[i], s->opts.env[i + 1]);
	return ctf__write_metadata(s->dir, &trace_clock.info, s->nr_vcpus, s->opts.kernel_streams,
				   env);
}

int trace__start(const struct trace_opts *o, struct trace_session **out)
{
	struct trace_session *s;
	const char *hold;
	int ret;

	*out = NULL;
	if (!o->dir || !*o->dir)
		return err__set(EINVAL, "no trace directory given; use --trace DIR");
	if (o->nr_vcpus < 1 || o->nr_vcpus > TRACE_MAX_VCPUS)
		return err__set(EINVAL, "a trace has 1 to %d vCPU streams, not %d", TRACE_MAX_VCPUS,
				o->nr_vcpus);
	s = calloc(1, sizeof(*s));
	if (!s)
		return err__set(ENOMEM, "out of memory starting the trace");
	pthread_mutex_init(&s->host_lock, NULL);
	pthread_mutex_init(&s->out_lock, NULL);
	s->opts = *o;
	s->nr_vcpus = o->nr_vcpus;
	s->nr_streams = o->nr_vcpus + 1 + (o->kernel_streams ? o->nr_vcpus : 0);
	snprintf(s->dir, sizeof(s->dir), "%s", o->dir);
	s->opts.dir = s->dir;
	hold = getenv("VMSCOPE_TRACE_HOLD");
	if (hold && *hold && strcmp(hold, "0"))
		s->opts.hold = 1;
	trace_clock__init();
	ret = trace_ring__size(o->buffer_size, &s->ring_size);
	if (!ret)
		ret = trace_prepare_dir(s->dir);
	if (!ret)
		ret = trace_setup(s);
	if (!ret)
		ret = session_start_thread(s);
	if (ret) {
		trace_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

int trace__stop(struct trace_session *s)
{
	int ret;

	if (!s)
		return 0;
	if (s->stopped)
		return s->error;
	ret = session_stop(s);
	if (ret)
		err__set(-ret, "%s", s->error_msg);
	else
		trace_clear_rings(s->dir);
	return ret;
}

struct trace_ring *trace__vcpu_ring(struct trace_session *s, int vcpu)
{
	if (!s || vcpu < 0 || vcpu >= s->nr_vcpus)
		return NULL;
	return &s->streams[vcpu].ring;
}

void trace__kvm_stats(struct trace_session *s, const struct trace_kvm_stats_args *a)
{
	if (s)
		SESSION_HOST_EMIT(s, kvm_stats, a);
}

void trace__syscall_select(struct trace_session *s, const struct trace_syscall_select_args *a)
{
	if (s)
		SESSION_HOST_EMIT(s, syscall_select, a);
}

struct trace_ring *trace__kernel_ring(struct trace_session *s, int vcpu)
{
	if (!s || !s->opts.kernel_streams || vcpu < 0 || vcpu >= s->nr_vcpus)
		return NULL;
	return &s->streams[s->nr_vcpus + 1 + vcpu].ring;
}

void trace__free(struct trace_session *s)
{
	if (!s)
		return;
	trace__stop(s);
	trace_free(s);
}

void trace__lifecycle(struct trace_session *s, enum trace_lifecycle_what what, int status,
		      uint64_t arg)
{
	struct trace_lifecycle_args a = { .what = what, .status = status, .arg = arg };

	if (s)
		SESSION_HOST_EMIT(s, lifecycle, &a);
}

/* Emit the buffered console bytes; host_lock held. */
static void console_emit_locked(struct trace_session *s)
{
	struct trace_console_args a = { .len = s->con_len };

	if (!s->con_len)
		return;
	memcpy(a.text, s->con, s->con_len);
	trace__emit_console(session_host_ring(s), trace_clock__now(), &a);
	s->con_len = 0;
}

void session_console_flush(struct trace_session *s)
{
	if (trace_nest_enter()) {
		trace_ring__nested(session_host_ring(s));
		return;
	}
	pthread_mutex_lock(&s->host_lock);
	console_emit_locked(s);
	pthread_mutex_unlock(&s->host_lock);
	trace_nest_leave();
}

void trace__console(struct trace_session *s, const void *bytes, size_t len)
{
	const uint8_t *p = bytes;
	size_t i;

	if (!s)
		return;
	if (trace_nest_enter()) {
		trace_ring__nested(session_host_ring(s));
		return;
	}
	pthread_mutex_lock(&s->host_lock);
	for (i = 0; i < len; i++) {
		s->con[s->con_len++] = p[i];
		if (p[i] == '\n' || s->con_len == SESSION_CONSOLE_LEN)
			console_emit_locked(s);
	}
	pthread_mutex_unlock(&s->host_lock);
	trace_nest_leave();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a vmscope CTF trace with libbabeltrace2: a graph with a source.ctf.fs component
 * and one simple sink per output port of it (no muxer: the report does not need the
 * streams' events in time order).  Each sink hands exit, lost and discarded-event messages
 * to the collector.  babeltrace2 does all the CTF parsing; its error causes are passed on.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/err.h"
#include "../trace/trace.h"
#include "report.h"

#ifndef HAVE_BABELTRACE2

int report__read_ctf(struct report *r, const char *dir)
{
	(void)r;
	(void)dir;
	return err__set(EOPNOTSUPP, "this vmscope was built without libbabeltrace2, which "
				    "'vmscope report' needs; install libbabeltrace2-dev "
				    "(scripts/install-deps) and rebuild");
}

#else

#include <babeltrace2/babeltrace.h>

#define MAX_CLASSES 64

enum { EV_OTHER, EV_EXIT, EV_LOST, EV_KVM, EV_SYS, EV_TX };

/* What a sink knows about one event class: its kind and the payload members it reads. */
struct ev_class {
	const bt_event_class *cls;
	int kind;
	const char *name;
	uint64_t vcpu, reason, guest_ns, vmm_ns, count; /* member indexes; UINT64_MAX: absent */
	uint64_t isa, ret, type; /* kernel events */
	uint64_t pid, cr3, nr, name_f, text, entry_ts; /* system calls */
	uint64_t cause, rip, reads, writes, insns, duration_ns; /* transactions */
};

struct reader {
	struct report *r;
	struct ev_class classes[MAX_CLASSES];
	int nr_classes;
	int failed; /* our own error (message set with err__set) */
	int env_read; /* the trace's env.kernel_probes was looked up */
};

static uint64_t member_index(const bt_field_class *payload, const char *name)
{
	uint64_t i, n = payload ? bt_field_class_structure_get_member_count(payload) : 0;

	for (i = 0; i < n; i++) {
		const bt_field_class_structure_member *m =
			bt_field_class_structure_borrow_member_by_index_const(payload, i);

		if (!strcmp(bt_field_class_structure_member_get_name(m), name))
			return i;
	}
	return UINT64_MAX;
}

static int class_setup(struct reader *rd, struct ev_class *ec)
{
	const bt_field_class *p = bt_event_class_borrow_payload_field_class_const(ec->cls);

	ec->name = bt_event_class_get_name(ec->cls);
	if (!ec->name)
		ec->name = "(unnamed)";
	ec->kind = EV_OTHER;
	if (!strcmp(ec->name, "exit"))
		ec->kind = EV_EXIT;
	else if (!strcmp(ec->name, "lost"))
		ec->kind = EV_LOST;
	else if (!strncmp(ec->name, "kvm_", 4) && strcmp(ec->name, "kvm_stats"))
		ec->kind = EV_KVM; /* the kernel probes' events */
	else if (!strcmp(ec->name, "syscall_entry") || !strcmp(ec->name, "syscall_exit"))
		ec->kind = EV_SYS;
	else if (!strncmp(ec->name, "tx_", 3))
		ec->kind = EV_TX;
	ec->vcpu = member_index(p, "vcpu");
	ec->reason = member_index(p, "reason");
	ec->guest_ns = member_index(p, "guest_ns");
	ec->vmm_ns = member_index(p, "vmm_ns");
	ec->count = member_index(p, "count");
	ec->isa = member_index(p, "isa");
	ec->ret = member_index(p, "ret");
	ec->type = member_index(p, "type");
	ec->pid = member_index(p, "pid");
	ec->cr3 = member_index(p, "cr3");
	ec->nr = member_index(p, "nr");
	ec->name_f = member_index(p, "name");
	ec->text = member_index(p, "text");
	ec->entry_ts = member_index(p, "entry_ts");
	ec->cause = member_index(p, "cause");
	ec->rip = member_index(p, "rip");
	ec->reads = member_index(p, "reads");
	ec->writes = member_index(p, "writes");
	ec->insns = member_index(p, "insns");
	ec->duration_ns = member_index(p, "duration_ns");
	if (ec->kind == EV_EXIT && (ec->vcpu == UINT64_MAX || ec->reason == UINT64_MAX ||
				    ec->guest_ns == UINT64_MAX || ec->vmm_ns == UINT64_MAX)) {
		rd->failed = 1;
		return err__set(EPROTO, "the trace's 'exit' events lack vcpu, reason, guest_ns or "
					"vmm_ns: not a trace of this vmscope's format");
	}
	if (ec->kind == EV_LOST && ec->count == UINT64_MAX)
		ec->kind = EV_OTHER;
	return 0;
}

static struct ev_class *class_of(struct reader *rd, const bt_event_class *cls)
{
	int i;

	for (i = 0; i < rd->nr_classes; i++)
		if (rd->classes[i].cls == cls)
			return &rd->classes[i];
	if (rd->nr_classes == MAX_CLASSES) {
		rd->failed = 1;
		err__set(E2BIG, "the trace has more than %d event classes", MAX_CLASSES);
		return NULL;
	}
	rd->classes[rd->nr_classes].cls = cls;
	if (class_setup(rd, &rd->classes[rd->nr_classes]))
		return NULL;
	return &rd->classes[rd->nr_classes++];
}

static uint64_t field_u64(const bt_field *payload, uint64_t index)
{
	const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(payload, index);
	bt_field_class_type t = bt_field_get_class_type(f);

	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
		return bt_field_integer_unsigned_get_value(f);
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER))
		return (uint64_t)bt_field_integer_signed_get_value(f);
	return 0;
}

/* The reason's label from the enumeration, or NULL if it is a plain integer. */
static const char *reason_label(const bt_field *payload, uint64_t index)
{
	const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(payload, index);
	bt_field_class_enumeration_mapping_label_array labels;
	uint64_t n = 0;

	if (bt_field_get_class_type(f) != BT_FIELD_CLASS_TYPE_UNSIGNED_ENUMERATION)
		return NULL;
	if (bt_field_enumeration_unsigned_get_mapping_labels(f, &labels, &n) || !n)
		return NULL;
	return labels[0];
}

/* The event's time in ns from the clock's origin (0 if it has none). */
static uint64_t event_time(struct reader *rd, const bt_message *msg)
{
	const bt_clock_snapshot *cs;
	int64_t ns;

	if (!bt_message_event_borrow_stream_class_default_clock_class_const(msg))
		return 0;
	cs = bt_message_event_borrow_default_clock_snapshot_const(msg);
	if (bt_clock_snapshot_get_ns_from_origin(cs, &ns) !=
		    BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK ||
	    ns < 0)
		return 0;
	report__add_time(rd->r, ns);
	return ns;
}

static uint64_t field_opt(const bt_field *payload, uint64_t index)
{
	return index == UINT64_MAX ? 0 : field_u64(payload, index);
}

static int on_kvm(struct reader *rd, const struct ev_class *ec, const bt_field *p, uint64_t ns)
{
	struct report_kvm_ev e = {
		.name = ec->name,
		.vcpu = field_opt(p, ec->vcpu),
		.ns = ns,
		.isa = field_opt(p, ec->isa),
		.reason = field_opt(p, ec->reason),
		.ret = (int32_t)field_opt(p, ec->ret),
		.type = field_opt(p, ec->type),
	};
	int ret = report__add_kvm(rd->r, &e);

	if (ret == -ERANGE)
		err__set(ERANGE, "a kernel event has vcpu %u; at most %d vCPUs are supported",
			 e.vcpu, REPORT_MAX_VCPUS);
	if (ret)
		rd->failed = 1;
	return ret;
}

static const char *field_str(const bt_field *payload, uint64_t index)
{
	const bt_field *f =
		index == UINT64_MAX
			? NULL
			: bt_field_structure_borrow_member_field_by_index_const(payload, index);

	if (!f || bt_field_get_class_type(f) != BT_FIELD_CLASS_TYPE_STRING)
		return NULL;
	return bt_field_string_get_value(f);
}

/* A system call: its time in clock ticks too, for the call's duration. */
static int on_syscall(struct reader *rd, const bt_message *msg, const struct ev_class *ec,
		      const bt_field *p, uint64_t ns)
{
	const bt_clock_class *cc =
		bt_message_event_borrow_stream_class_default_clock_class_const(msg);
	struct report_sys_ev e = {
		.exit = !strcmp(ec->name, "syscall_exit"),
		.vcpu = field_opt(p, ec->vcpu),
		.nr = field_opt(p, ec->nr),
		.pid = (int32_t)field_opt(p, ec->pid),
		.cr3 = field_opt(p, ec->cr3),
		.entry_cycles = field_opt(p, ec->entry_ts),
		.ns = ns,
		.ret = (int64_t)field_opt(p, ec->ret),
		.name = field_str(p, ec->name_f),
		.text = field_str(p, ec->text),
	};

	if (cc) {
		e.cycles = bt_clock_snapshot_get_value(
			bt_message_event_borrow_default_clock_snapshot_const(msg));
		report__set_clock_freq(rd->r, (double)bt_clock_class_get_frequency(cc));
	}
	if (report__add_syscall(rd->r, &e) || report__add_other(rd->r, ec->name)) {
		rd->failed = 1;
		return err__set(ENOMEM, "out of memory reading the trace's system calls");
	}
	return 0;
}

/* A transaction event of RTME. */
static int on_tx(struct reader *rd, const struct ev_class *ec, const bt_field *p)
{
	struct report_tx_ev e = {
		.kind = !strcmp(ec->name, "tx_begin")	 ? REPORT_TX_BEGIN
			: !strcmp(ec->name, "tx_commit") ? REPORT_TX_COMMIT
							 : REPORT_TX_ABORT,
		.vcpu = field_opt(p, ec->vcpu),
		.cause = field_opt(p, ec->cause),
		.rip = field_opt(p, ec->rip),
		.reads = field_opt(p, ec->reads),
		.writes = field_opt(p, ec->writes),
		.insns = field_opt(p, ec->insns),
		.duration_ns = field_opt(p, ec->duration_ns),
	};
	int ret = report__add_tx(rd->r, &e) ?: report__add_other(rd->r, ec->name);

	if (ret == -ERANGE)
		err__set(ERANGE,
			 "a transaction event has vcpu %u or cause %u, beyond what the "
			 "report takes (255, 8)",
			 e.vcpu, e.cause);
	else if (ret)
		err__set(ENOMEM, "out of memory reading the trace's transactions");
	if (ret)
		rd->failed = 1;
	return ret;
}

/* What the kernel probes attached to, from the trace's environment (once). */
static void read_env(struct reader *rd, const bt_event *ev)
{
	const bt_trace *t = bt_stream_borrow_trace_const(bt_event_borrow_stream_const(ev));
	const bt_value *v =
		bt_trace_borrow_environment_entry_value_by_name_const(t, "kernel_probes");

	rd->env_read = 1;
	if (v && bt_value_is_string(v))
		report__set_kvm_probes(rd->r, bt_value_string_get(v));
}

/* A lost record of a kernel stream (file kernel<N>) also counts in the kernel section. */
static int stream_is_kernel(const bt_event *ev)
{
	const char *name = bt_stream_get_name(bt_event_borrow_stream_const(ev));
	const char *base = name && strrchr(name, '/') ? strrchr(name, '/') + 1 : name;

	return base && !strncmp(base, "kernel", 6);
}

static int on_event(struct reader *rd, const bt_message *msg)
{
	const bt_event *ev = bt_message_event_borrow_event_const(msg);
	const bt_field *p = bt_event_borrow_payload_field_const(ev);
	struct ev_class *ec = class_of(rd, bt_event_borrow_class_const(ev));
	uint64_t ns;
	int ret;

	if (!ec)
		return -EPROTO;
	ns = event_time(rd, msg);
	if (!rd->env_read)
		read_env(rd, ev);
	if (ec->kind == EV_LOST) {
		report__add_lost(rd->r, field_u64(p, ec->count));
		if (stream_is_kernel(ev))
			report__add_kvm_lost(rd->r, field_u64(p, ec->count));
		return 0;
	}
	if (ec->kind == EV_KVM)
		return on_kvm(rd, ec, p, ns);
	if (ec->kind == EV_SYS)
		return on_syscall(rd, msg, ec, p, ns);
	if (ec->kind == EV_TX)
		return on_tx(rd, ec, p);
	if (ec->kind == EV_OTHER)
		return report__add_other(rd->r, ec->name);
	ret = report__add_exit(rd->r, field_u64(p, ec->vcpu), field_u64(p, ec->reason),
			       reason_label(p, ec->reason), field_u64(p, ec->guest_ns),
			       field_u64(p, ec->vmm_ns));
	if (ret == -ERANGE)
		err__set(ERANGE, "an exit event has vcpu %llu; at most %d vCPUs are supported",
			 (unsigned long long)field_u64(p, ec->vcpu), REPORT_MAX_VCPUS);
	if (ret)
		rd->failed = 1;
	return ret;
}

static int on_discarded(struct reader *rd, const bt_message *msg)
{
	const bt_stream *s = bt_message_discarded_events_borrow_stream_const(msg);
	const char *name = bt_stream_get_name(s);
	char id[32];
	uint64_t n = 0;

	if (bt_message_discarded_events_get_count(msg, &n) != BT_PROPERTY_AVAILABILITY_AVAILABLE)
		n = 0;
	if (!name) {
		snprintf(id, sizeof(id), "stream %llu", (unsigned long long)bt_stream_get_id(s));
		name = id;
	} else if (strrchr(name, '/')) {
		name = strrchr(name, '/') + 1;
	}
	return report__add_discarded(rd->r, name, n);
}

static int on_message(struct reader *rd, const bt_message *msg)
{
	switch (bt_message_get_type(msg)) {
	case BT_MESSAGE_TYPE_EVENT:
		return on_event(rd, msg);
	case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
		return on_discarded(rd, msg);
	default:
		return 0;
	}
}

static bt_graph_simple_sink_component_consume_func_status sink_consume(bt_message_iterator *it,
								       void *data)
{
	struct reader *rd = data;
	bt_message_array_const msgs;
	uint64_t i, n;
	int ret = 0;

	switch (bt_message_iterator_next(it, &msgs, &n)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
	default:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	for (i = 0; i < n; i++) {
		if (!ret)
			ret = on_message(rd, msgs[i]);
		bt_message_put_ref(msgs[i]);
	}
	return ret ? BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR
		   : BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

#define starts_with(s, prefix) (!strncmp(s, prefix, sizeof(prefix) - 1))

/* The graph's own cause repeats the component's address and class: nothing for a user. */
static int cause_is_noise(const char *m)
{
	return starts_with(m, "Component initialization method failed") ||
	       starts_with(m, "Component input port message iterator's") ||
	       starts_with(m, "Simple sink component's") ||
	       starts_with(m, "Component's \"consume\" method failed") ||
	       starts_with(m, "Cannot handle state") || starts_with(m, "Graph object's");
}

/*
 * babeltrace2 2.0 puts the precise reason of a metadata or stream decoding failure ("At line
 * 15 in metadata stream: syntax error ...") only in its component's log, which it writes to
 * stderr; the error causes say "Cannot create trace".  So while the source works, stderr is
 * a temporary file, and its error lines are kept for the message.
 */
struct log_capture {
	FILE *tmp;
	int saved_fd;
};

static char bt_logged[512];
static int bt_nr_logged;

static void capture_begin(struct log_capture *c)
{
	fflush(stderr);
	c->tmp = tmpfile();
	c->saved_fd = c->tmp ? dup(STDERR_FILENO) : -1;
	if (c->saved_fd >= 0)
		dup2(fileno(c->tmp), STDERR_FILENO);
}

/* "MM-DD HH:MM:SS.mmm PID TID E TAG func@file:line [component] message": the message. */
static const char *log_message(const char *line)
{
	const char *p = strstr(line, " E PLUGIN/");

	if (!p)
		p = strstr(line, " W PLUGIN/");

	if (!p || !(p = strchr(p, '@')) || !(p = strchr(p, ' ')))
		return NULL;
	p++;
	if (*p == '[' && strstr(p, "] "))
		p = strstr(p, "] ") + 2;
	return p;
}

static void capture_end(struct log_capture *c)
{
	char line[1024];
	size_t off = strlen(bt_logged);

	if (c->saved_fd < 0)
		return;
	fflush(stderr);
	dup2(c->saved_fd, STDERR_FILENO);
	close(c->saved_fd);
	rewind(c->tmp);
	while (fgets(line, sizeof(line), c->tmp) && off < sizeof(bt_logged) / 2) {
		const char *m = log_message(line);
		int len;

		if (!m || cause_is_noise(m) || bt_nr_logged == 2)
			continue;
		len = strcspn(m, "\n");
		if (memmem(bt_logged, off, m, len > 160 ? 160 : len))
			continue;
		bt_nr_logged++;
		off += snprintf(bt_logged + off, sizeof(bt_logged) - off, "%s%.*s", off ? "; " : "",
				len > 160 ? 160 : len, m);
	}
	fclose(c->tmp);
}

/* The logged reasons, then babeltrace2's error causes (the root cause first). */
static int bt_failure(const char *what, const char *dir)
{
	const bt_error *e = bt_current_thread_take_error();
	uint64_t i, n = e ? bt_error_get_cause_count(e) : 0;
	char causes[1024];
	size_t off = snprintf(causes, sizeof(causes), "%s", bt_logged);
	int shown = bt_nr_logged;

	for (i = 0; i < n && shown < 3 && off < sizeof(causes) - 1; i++) {
		const char *m = bt_error_cause_get_message(bt_error_borrow_cause_by_index(e, i));
		int len = strcspn(m, "\n");

		if (cause_is_noise(m) || memmem(causes, off, m, len > 160 ? 160 : len))
			continue;
		off += snprintf(causes + off, sizeof(causes) - off, "%s%.*s", shown++ ? "; " : "",
				len > 160 ? 160 : len, m);
	}
	if (e)
		bt_error_release(e);
	return err__set(EPROTO,
			"cannot %s the trace in %s: %s (babeltrace2); if the run was killed, "
			"'vmscope recover %s' may complete it",
			what, dir, shown ? causes : "no reason given", dir);
}

static int add_source_logged(bt_graph *g, const bt_component_class_source *cls,
			     const bt_value *params, const bt_component_source **src)
{
	struct log_capture c;
	int ret;

	capture_begin(&c);
	ret = bt_graph_add_source_component(g, cls, "vmscope-ctf", params, BT_LOGGING_LEVEL_WARNING,
					    src);
	capture_end(&c);
	return ret;
}

static int add_source(bt_graph *g, const char *dir, const bt_component_source **src)
{
	const bt_plugin *plugin = NULL;
	const bt_component_class_source *cls;
	bt_value *params = bt_value_map_create(), *inputs = NULL;
	int ret = 0;

	/* The metadata parser logs its syntax errors only with this set (babeltrace2 2.0). */
	setenv("BABELTRACE_PLUGIN_CTF_METADATA_LOG_LEVEL", "E", 0);
	if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &plugin) !=
	    BT_PLUGIN_FIND_STATUS_OK) {
		bt_value_put_ref(params);
		return err__set(ENOENT, "babeltrace2's ctf plugin is missing; install the "
					"babeltrace2 package (scripts/install-deps)");
	}
	cls = bt_plugin_borrow_source_component_class_by_name_const(plugin, "fs");
	if (!cls || !params || bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
	    bt_value_array_append_string_element(inputs, dir))
		ret = err__set(ENOMEM, "cannot set up babeltrace2's source.ctf.fs");
	else if (add_source_logged(g, cls, params, src))
		ret = bt_failure("open", dir);
	bt_value_put_ref(params);
	bt_plugin_put_ref(plugin);
	return ret;
}

/* One simple sink per output port of the source. */
static int add_sinks(bt_graph *g, const bt_component_source *src, struct reader *rd,
		     const char *dir)
{
	uint64_t i, n = bt_component_source_get_output_port_count(src);

	for (i = 0; i < n; i++) {
		const bt_port_output *out =
			bt_component_source_borrow_output_port_by_index_const(src, i);
		const bt_component_sink *sink;
		char name[48];

		snprintf(name, sizeof(name), "vmscope-report-%llu", (unsigned long long)i);
		if (bt_graph_add_simple_sink_component(g, name, NULL, sink_consume, NULL, rd,
						       &sink) ||
		    bt_graph_connect_ports(
			    g, out, bt_component_sink_borrow_input_port_by_index_const(sink, 0),
			    NULL))
			return bt_failure("connect to", dir);
	}
	if (!n)
		return err__set(ENODATA, "the trace in %s has no data streams", dir);
	return 0;
}

static int run_graph(bt_graph *g, struct reader *rd, const char *dir)
{
	bt_graph_run_status st;

	struct log_capture c;

	capture_begin(&c);
	do {
		st = bt_graph_run(g);
	} while (st == BT_GRAPH_RUN_STATUS_AGAIN);
	capture_end(&c);
	if (st == BT_GRAPH_RUN_STATUS_OK)
		return 0;
	if (rd->failed) {
		bt_current_thread_clear_error();
		return -EPROTO;
	}
	return bt_failure("read", dir);
}

/* CTF metadata is text that opens with the comment "CTF 1.8", or packets with a magic number. */
static int check_signature(const char *path)
{
	static const uint8_t magic_le[4] = { 0x57, 0x1d, 0xd1, 0x75 };
	static const uint8_t magic_be[4] = { 0x75, 0xd1, 0x1d, 0x57 };
	char head[16] = "";
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return err__set(errno, "cannot read %s: %s", path, strerror(errno));
	n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	if ((n >= 7 && !memcmp(head, "/* CTF ", 7)) || (n >= 4 && !memcmp(head, magic_le, 4)) ||
	    (n >= 4 && !memcmp(head, magic_be, 4)))
		return 0;
	return err__set(EPROTO,
			"%s is not CTF metadata (it starts with neither '/* CTF 1.8' "
			"nor a metadata packet); the trace is corrupt",
			path);
}

/* Errors babeltrace2 would describe less directly. */
static int check_dir(const char *dir)
{
	char path[4096];
	struct stat st;

	if (stat(dir, &st))
		return err__set(errno, "cannot open trace directory %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err__set(ENOTDIR,
				"%s is not a directory; give the directory that "
				"'vmscope run --trace DIR' wrote",
				dir);
	snprintf(path, sizeof(path), "%s/metadata", dir);
	if (stat(path, &st))
		return err__set(ENOENT,
				"%s has no metadata file, so it is not a CTF trace; record "
				"one with 'vmscope run --trace %s'",
				dir, dir);
	if (!st.st_size)
		return err__set(EPROTO, "%s is empty: the trace's metadata is missing", path);
	return check_signature(path) ?: trace__check_ended(dir);
}

int report__read_ctf(struct report *r, const char *dir)
{
	struct reader rd = { .r = r };
	const bt_component_source *src;
	bt_graph *g;
	int ret = check_dir(dir);

	if (ret)
		return ret;
	bt_logged[0] = '\0';
	bt_nr_logged = 0;
	g = bt_graph_create(0);
	if (!g)
		return err__set(ENOMEM, "cannot create a babeltrace2 graph");
	ret = add_source(g, dir, &src);
	if (!ret)
		ret = add_sinks(g, src, &rd, dir);
	if (!ret)
		ret = run_graph(g, &rd, dir);
	bt_graph_put_ref(g);
	return ret;
}

#endif

// Counts, by workflow type, the entries into Temporal's workflow sandbox (each vm.Script#runInContext call, which the
// SDK runs under its isolateExecutionTimeout: a watchdog thread each), the workflow thread's CPU time inside them
// (microtasks and the SDK's promise hook included; from /proc/thread-self/schedstat, in ms) and the promises workflow
// code creates (each one the SDK's promise hook gives a stack trace). Loaded into every thread with --require; the
// workflow thread writes its counts to /tmp/sandbox-counts-<pid>-<thread>.json every second. Linux only.
// Usage: BENCH_SCENARIOS=concurrent BENCH_RUNS=50 node -r ./tools/sandbox-counts.js dist/bench/run.js
'use strict';
const vm = require('node:vm');
const v8 = require('node:v8');
const fs = require('node:fs');
const { threadId } = require('node:worker_threads');

if (threadId > 0) {
  const entries = {};
  const cpuMs = {};
  const promises = {};
  const schedstat = fs.openSync('/proc/thread-self/schedstat', 'r');
  const buffer = Buffer.alloc(128);
  const cpuNs = () => Number(buffer.toString('latin1', 0, fs.readSync(schedstat, buffer, 0, 128, 0)).split(' ')[0]);
  const runInContext = vm.Script.prototype.runInContext;
  vm.Script.prototype.runInContext = function (context, options) {
    const type = context.__TEMPORAL_ACTIVATOR__?.info.workflowType ?? 'none';
    entries[type] = (entries[type] ?? 0) + 1;
    const before = cpuNs();
    try {
      return runInContext.call(this, context, options);
    } finally {
      cpuMs[type] = (cpuMs[type] ?? 0) + (cpuNs() - before) / 1e6;
    }
  };
  // A promise made in a sandbox has that context's Promise; its Function reaches the context's globals.
  const activatorOf = new WeakMap();
  v8.promiseHooks.createHook({
    init(promise) {
      const P = promise.constructor;
      if (P === Promise) return;
      let activator = activatorOf.get(P);
      if (!activator) activatorOf.set(P, (activator = P.constructor('return globalThis.__TEMPORAL_ACTIVATOR__')));
      const type = activator()?.info.workflowType ?? 'none';
      promises[type] = (promises[type] ?? 0) + 1;
    },
  });
  const file = `/tmp/sandbox-counts-${process.pid}-${threadId}.json`;
  setInterval(() => fs.writeFileSync(file, JSON.stringify({ entries, cpuMs, promises })), 1000).unref();
}

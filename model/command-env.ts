// Imported by workflow code (the command action's schema) and by the command activity: no Node built-ins.

// Variables that decide which code a program loads or runs before its own: the search path, the dynamic loader's
// and the runtimes' preload and module paths, and the shells' start-up files.
const EXACT = new Set([
  'PATH',
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_EXTRA_CA_CERTS',
  'PYTHONPATH',
  'PYTHONHOME',
  'PYTHONSTARTUP',
  'PERL5LIB',
  'PERL5OPT',
  'PERLLIB',
  'RUBYOPT',
  'RUBYLIB',
  'BASH_ENV',
  'ENV',
  'SHELLOPTS',
  'BASHOPTS',
  'IFS',
  'GCONV_PATH',
  'LOCPATH',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'GIT_EXEC_PATH',
  'LIFEBOAT_IDEMPOTENCY_KEY',
]);
const PREFIXES = ['LD_', 'DYLD_', 'LIFEBOAT_'];

/** True when a command step may not set this environment variable (PATH, LD_*, NODE_OPTIONS and the like). */
export function loaderVariable(name: string): boolean {
  const upper = name.toUpperCase();
  return EXACT.has(upper) || PREFIXES.some((p) => upper.startsWith(p));
}

/** Why a command step's env may not set a variable, for validation and run-time errors alike. */
export function loaderVariableProblem(name: string): string {
  return `a command step may not set ${name}: it changes which code the program loads or runs (PATH, LD_*, DYLD_*, NODE_OPTIONS and similar loader variables are refused)`;
}

/**
 * Environment variables that make a program load or run code other than its
 * own: the dynamic loader's, the shells' start-up hooks, PATH (k0s and the
 * programs it starts find helpers through it), and interpreters' preload
 * options. k0s.install writes the spec's environment into the k0s unit, so
 * each of these would run the API's choice of code as root; the relay refuses
 * them unless its own config (policy.allowEnvironment) names one.
 */
const CODE_LOADING =
  /^(LD_[A-Z0-9_]*|DYLD_[A-Z0-9_]*|GCONV_PATH|GLIBC_TUNABLES|LOCPATH|PATH|IFS|ENV|BASH_ENV|BASHOPTS|SHELLOPTS|PS4|PROMPT_COMMAND|PYTHONPATH|PYTHONHOME|PYTHONSTARTUP|PERL5LIB|PERL5OPT|PERLLIB|RUBYLIB|RUBYOPT|NODE_OPTIONS|NODE_PATH|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|OPENSSL_CONF|OPENSSL_ENGINES)$/;

export function loadsCode(name: string): boolean {
  return CODE_LOADING.test(name);
}

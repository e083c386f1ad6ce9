/*
 * demangle.h - readable names for C++ symbols, in the short form that
 * pprof shows by default: the qualified name only.
 */
#ifndef TRIAGE_DEMANGLE_H
#define TRIAGE_DEMANGLE_H

/*
 * Demangles an Itanium C++ ABI name ("_Z...") and simplifies it: no
 * parameter list, no template arguments, no return type, no clone
 * suffix; "ns::Cache<int>::put(int const&)" becomes "ns::Cache::put".
 * Returns a malloc'd string, or NULL when `mangled` is not a mangled
 * name, cannot be demangled, or memory runs out.
 *
 * The demangler is the C++ runtime's __cxa_demangle, found in the
 * process or loaded from libstdc++.so.6 on first use, so a C host need
 * not link it. That first use may dlopen(): never call this from a
 * signal handler. Safe to call from several threads.
 */
char *tdemangle(const char *mangled);

/*
 * The simplification step alone, on a fully demangled name such as
 * __cxa_demangle returns; exposed for the tests and the fuzzer. Returns
 * a malloc'd string, or NULL when nothing is left or memory runs out.
 */
char *tdemangle_simplify(const char *full);

#endif /* TRIAGE_DEMANGLE_H */

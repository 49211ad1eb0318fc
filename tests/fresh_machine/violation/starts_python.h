// A fixture of check_fresh_machine.sh (never compiled): C++ test code that starts python.
#include <cstdlib>
inline int make_reference() { return std::system("python3 tests/reference/make_reference.py"); }

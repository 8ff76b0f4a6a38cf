// libyaml through pkg-config `yaml-0.1` (Debian: libyaml-dev). The parser/emitter API is not variadic,
// so Swift calls it directly; this header only makes it importable as the module `CYAML`.
#ifndef GANTRY_CYAML_SHIM_H
#define GANTRY_CYAML_SHIM_H
#include <yaml.h>
#endif

/* exbpf: a userspace eBPF runtime with Linux-compatible BPF exceptions. Umbrella header. */
#ifndef EXBPF_EXBPF_H
#define EXBPF_EXBPF_H

#include <exbpf/common.h>
#include <exbpf/isa.h>
#include <exbpf/btf.h>
#include <exbpf/object.h>
#include <exbpf/map.h>
#include <exbpf/runtime.h>
#include <exbpf/linux.h>
#include <exbpf/vm.h>

#define EXBPF_VERSION "0.1.0"

#endif

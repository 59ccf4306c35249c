// libffi, as Debian's libffi-dev installs it (/usr/include/<triplet>/ffi.h).
#include <ffi.h>

// The addresses of libffi's type descriptors, which Swift cannot take safely itself
// (a pointer to a C global taken with & is only valid inside the call that takes it).
static inline ffi_type *corral_ffi_sint64(void) { return &ffi_type_sint64; }
static inline ffi_type *corral_ffi_sint32(void) { return &ffi_type_sint32; }
static inline ffi_type *corral_ffi_double(void) { return &ffi_type_double; }
static inline ffi_type *corral_ffi_uint8(void) { return &ffi_type_uint8; }
static inline ffi_type *corral_ffi_pointer(void) { return &ffi_type_pointer; }
static inline ffi_type *corral_ffi_void(void) { return &ffi_type_void; }

// What the CPU and the operating system support, read once per call with CPUID and XGETBV.
#include "CVGGKernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <string.h>

/// The OS-enabled state components (XCR0): bits 1-2 XMM/YMM, 5-7 the AVX-512 state.
static unsigned long long enabled_state(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

int vgg_cpu_has_avx2_fma(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1, f16c = (c >> 29) & 1;
    if (!(osxsave && avx && fma && f16c)) return 0;
    if ((enabled_state() & 0x6) != 0x6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    const int avx2 = (b >> 5) & 1, bmi1 = (b >> 3) & 1, bmi2 = (b >> 8) & 1;
    return avx2 && bmi1 && bmi2;
}

int vgg_cpu_has_avx512(void) {
    if (!vgg_cpu_has_avx2_fma()) return 0;
    unsigned int a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    const int f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    if (!(f && dq && bw && vl)) return 0;
    return (enabled_state() & 0xE6) == 0xE6;
}

int vgg_cpu_has_avx512_bf16(void) {
    if (!vgg_cpu_has_avx512()) return 0;
    unsigned int a, b, c, d;
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return 0;
    return (a >> 5) & 1;
}

const char *vgg_cpu_name(void) {
    static char name[49];
    unsigned int registers[12];
    unsigned int a, b, c, d;
    if (!__get_cpuid(0x80000000, &a, &b, &c, &d) || a < 0x80000004) return "";
    for (unsigned int leaf = 0; leaf < 3; leaf++) {
        __get_cpuid(0x80000002 + leaf, &registers[leaf * 4], &registers[leaf * 4 + 1], &registers[leaf * 4 + 2],
                    &registers[leaf * 4 + 3]);
    }
    memcpy(name, registers, 48);
    name[48] = 0;
    char *start = name;
    while (*start == ' ') start++;
    return start;
}
#else
int vgg_cpu_has_avx2_fma(void) { return 0; }
int vgg_cpu_has_avx512(void) { return 0; }
int vgg_cpu_has_avx512_bf16(void) { return 0; }
const char *vgg_cpu_name(void) { return ""; }
#endif

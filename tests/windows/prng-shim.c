/*
 * TEST-ONLY stand-in for bcryptprimitives.dll under Debian 12's Wine 8.0. Ships in nothing.
 *
 * Rust's standard library on Windows takes its random bytes (HashMap seeds) from
 * ProcessPrng in bcryptprimitives.dll, which every supported Windows has; Wine 8.0 lacks the DLL,
 * so the real eproc-a2f.exe would not even start there. tests/windows/run.sh builds this file with
 * mingw into the test prefix's system32 and nowhere else. It forwards to RtlGenRandom
 * (advapi32!SystemFunction036), which Wine implements. See tests/windows/README.md.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}

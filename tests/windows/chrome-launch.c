/*
 * TEST-ONLY: starts a native-messaging host the way Chrome and Edge do on Windows. Ships in nothing.
 *
 * Chrome runs `%COMSPEC% /d /s /c ""<host path>" chrome-extension://<id>/ --parent-window=0"`
 * through CreateProcess, hidden, with the host's folder as working directory and the host's
 * stdin/stdout connected to pipes (chromium native_process_launcher_win.cc). Passing that
 * command line through Wine's argv would re-quote it, so this launcher takes it verbatim from
 * the environment and hands it to CreateProcessW unchanged:
 *   EPROC_A2F_LAUNCH_CMDLINE  the full command line (cmd.exe and its arguments)
 *   EPROC_A2F_LAUNCH_DIR      the working directory
 * Its own stdin/stdout/stderr (pipes from the test) become the child's. Exit code: the child's.
 */
#include <windows.h>
#include <stdio.h>

int main(void)
{
    static WCHAR cmdline[32768], dir[32768];
    if (!GetEnvironmentVariableW(L"EPROC_A2F_LAUNCH_CMDLINE", cmdline, 32768) ||
        !GetEnvironmentVariableW(L"EPROC_A2F_LAUNCH_DIR", dir, 32768)) {
        fprintf(stderr, "chrome-launch: set EPROC_A2F_LAUNCH_CMDLINE and EPROC_A2F_LAUNCH_DIR\n");
        return 120;
    }
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    ZeroMemory(&si, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES | STARTF_USESHOWWINDOW;
    si.wShowWindow = SW_HIDE;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
    si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    if (!CreateProcessW(NULL, cmdline, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, dir, &si, &pi)) {
        fprintf(stderr, "chrome-launch: CreateProcess failed: %lu\n", GetLastError());
        return 121;
    }
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 1;
    GetExitCodeProcess(pi.hProcess, &code);
    return (int)code;
}

## A 64-bit installer (QuickHelp is x64 only): $SYSDIR is the 64-bit system
## directory and the registry is seen as 64-bit programs see it.
Target amd64-unicode

####
## QuickHelp installer: the desktop app (quickhelp.exe) and the sharer daemon
## (quickhelp-sharer.exe), for all users (default when run as an
## administrator) or for the current user only.
##
## Built by scripts/dist.sh: makensis here with
## -DARG_WAILS_AMD64_BINARY=<path of quickhelp.exe> and
## -DARG_SHARER_BINARY=<path of quickhelp-sharer.exe> (wails_tools.nsh is the
## committed copy of Wails' helpers; `wails build` runs without -nsis).
##
## The WebView2 runtime is checked for, never downloaded: when it is missing
## the installer says so plainly and stops (QuickHelpCheckWebView2 below).
##
## Command line:
##   QuickHelp-<version>-amd64-setup.exe /S               silent, all users if elevated
##   QuickHelp-<version>-amd64-setup.exe /S /CurrentUser  silent, this user only
##   QuickHelp-<version>-amd64-setup.exe /S /AllUsers     silent, all users (needs elevation)
##   "<install dir>\uninstall.exe" /S                     silent uninstall
####

## Everything Wails would take from wails.json is fixed here, so the
## installer does not depend on the desktop app's project file.
!define INFO_PROJECTNAME    "quickhelp"
!define INFO_COMPANYNAME    "QuickHelp"
!define INFO_PRODUCTNAME    "QuickHelp"
!define INFO_COPYRIGHT      "Copyright QuickHelp contributors"
!define PRODUCT_EXECUTABLE  "quickhelp.exe"
!define SHARER_EXECUTABLE   "quickhelp-sharer.exe"
!define UNINST_KEY_NAME     "QuickHelp"
!define REQUEST_EXECUTION_LEVEL "highest"

## The version comes from the repository's VERSION file (one line, x.y.z).
!ifndef INFO_PRODUCTVERSION
    !searchparse /file "..\..\..\VERSION" "" INFO_PRODUCTVERSION
!endif
## Windows version resources want digits only: drop a "-suffix".
!searchparse /noerrors "${INFO_PRODUCTVERSION}" "" VERSION_CORE "-"
!ifndef VERSION_CORE
    !define VERSION_CORE "${INFO_PRODUCTVERSION}"
!endif

## The sharer daemon, cross-built before `wails build` (scripts/dist.sh).
!ifndef ARG_SHARER_BINARY
    !define ARG_SHARER_BINARY "..\..\bin\quickhelp-sharer.exe"
!endif

!include "wails_tools.nsh"

## scripts/dist.sh passes -DSIGN_COMMAND=<script that signs a file in place>
## when a code-signing certificate is configured, so the uninstaller written
## into the installer is signed too.
!ifdef SIGN_COMMAND
    !uninstfinalize '"${SIGN_COMMAND}" "%1"'
!endif

VIProductVersion "${VERSION_CORE}.0"
VIFileVersion    "${VERSION_CORE}.0"
VIAddVersionKey "CompanyName"     "${INFO_COMPANYNAME}"
VIAddVersionKey "FileDescription" "${INFO_PRODUCTNAME} Installer"
VIAddVersionKey "ProductVersion"  "${INFO_PRODUCTVERSION}"
VIAddVersionKey "FileVersion"     "${INFO_PRODUCTVERSION}"
VIAddVersionKey "LegalCopyright"  "${INFO_COPYRIGHT}"
VIAddVersionKey "ProductName"     "${INFO_PRODUCTNAME}"

ManifestDPIAware true

## Per-machine or per-user: MultiUser picks all users when elevated, the
## current user otherwise, honours /AllUsers and /CurrentUser, and lets the
## uninstaller find which one was installed from the uninstall key.
!define MULTIUSER_EXECUTIONLEVEL Highest
!define MULTIUSER_MUI
!define MULTIUSER_INSTALLMODE_COMMANDLINE
!define MULTIUSER_USE_PROGRAMFILES64
!define MULTIUSER_INSTALLMODE_INSTDIR "${INFO_PRODUCTNAME}"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_KEY "${UNINST_KEY}"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_VALUENAME "UninstallString"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_KEY "${UNINST_KEY}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_VALUENAME "InstallLocation"
!include "MultiUser.nsh"
!include "MUI2.nsh"

!define MUI_ICON "..\icon.ico"
!define MUI_UNICON "..\icon.ico"
!define MUI_ABORTWARNING

!insertmacro MUI_PAGE_WELCOME
!insertmacro MULTIUSER_PAGE_INSTALLMODE
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\${PRODUCT_EXECUTABLE}"
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

Name "${INFO_PRODUCTNAME}"
OutFile "..\..\bin\QuickHelp-${INFO_PRODUCTVERSION}-${ARCH}-setup.exe"
ShowInstDetails show

## The Evergreen WebView2 runtime (built into Windows 11) registers its
## version as "pv" under its client GUID: per machine in the 32-bit view of
## HKLM, per user in HKCU. A missing key, an empty value or 0.0.0.0 means it is
## not installed. Nothing is downloaded: the installer explains and stops
## (silently, /S, it writes the same text to the details and exits with an
## error code).
!define WEBVIEW2_CLIENT "Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define WEBVIEW2_MISSING "QuickHelp needs the Microsoft Edge WebView2 Runtime to show its window. \
It is part of Windows 11 and of up-to-date Windows 10, but it is not installed on this computer.$\n$\n\
This installer does not download anything. Ask your administrator to install the WebView2 Runtime \
(Evergreen), or install it from Microsoft's WebView2 page, then run this installer again."
!macro QuickHelpCheckWebView2
    SetRegView 64
    ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\${WEBVIEW2_CLIENT}" "pv"
    ${If} $0 == ""
    ${OrIf} $0 == "0.0.0.0"
        ReadRegStr $0 HKLM "SOFTWARE\${WEBVIEW2_CLIENT}" "pv"
    ${EndIf}
    ${If} $0 == ""
    ${OrIf} $0 == "0.0.0.0"
        ReadRegStr $0 HKCU "Software\${WEBVIEW2_CLIENT}" "pv"
    ${EndIf}
    ${If} $0 == ""
    ${OrIf} $0 == "0.0.0.0"
        SetDetailsPrint both
        DetailPrint "${WEBVIEW2_MISSING}"
        MessageBox MB_OK|MB_ICONSTOP "${WEBVIEW2_MISSING}" /SD IDOK
        SetErrorLevel 2
        Quit
    ${EndIf}
!macroend

Function .onInit
    !insertmacro wails.checkArchitecture
    !insertmacro QuickHelpCheckWebView2
    SetRegView 64
    !insertmacro MULTIUSER_INIT
FunctionEnd

Function un.onInit
    SetRegView 64
    !insertmacro MULTIUSER_UNINIT
FunctionEnd

## A running daemon or app would keep its files locked during an upgrade
## or uninstall, and must not outlive an uninstall: stop them first, every
## user's (the session, if any, ends). The prompt windows a daemon opens
## are quickhelp.exe too.
!macro StopQuickHelp
    nsExec::Exec '"$SYSDIR\taskkill.exe" /F /IM ${SHARER_EXECUTABLE}'
    Pop $0
    nsExec::Exec '"$SYSDIR\taskkill.exe" /F /IM ${PRODUCT_EXECUTABLE}'
    Pop $0
!macroend

Section
    !insertmacro StopQuickHelp

    SetOutPath $INSTDIR
    !insertmacro wails.files
    File "/oname=${SHARER_EXECUTABLE}" "${ARG_SHARER_BINARY}"

    CreateShortcut "$SMPROGRAMS\${INFO_PRODUCTNAME}.lnk" "$INSTDIR\${PRODUCT_EXECUTABLE}"

    WriteUninstaller "$INSTDIR\uninstall.exe"
    ## SHCTX is HKLM for all users, HKCU for the current user.
    WriteRegStr SHCTX "${UNINST_KEY}" "Publisher" "${INFO_COMPANYNAME}"
    WriteRegStr SHCTX "${UNINST_KEY}" "DisplayName" "${INFO_PRODUCTNAME}"
    WriteRegStr SHCTX "${UNINST_KEY}" "DisplayVersion" "${INFO_PRODUCTVERSION}"
    WriteRegStr SHCTX "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${PRODUCT_EXECUTABLE}"
    WriteRegStr SHCTX "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
    WriteRegStr SHCTX "${UNINST_KEY}" "UninstallString" "$\"$INSTDIR\uninstall.exe$\" /$MultiUser.InstallMode"
    WriteRegStr SHCTX "${UNINST_KEY}" "QuietUninstallString" "$\"$INSTDIR\uninstall.exe$\" /$MultiUser.InstallMode /S"
    WriteRegDWORD SHCTX "${UNINST_KEY}" "NoModify" 1
    WriteRegDWORD SHCTX "${UNINST_KEY}" "NoRepair" 1
    ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
    IntFmt $0 "0x%08X" $0
    WriteRegDWORD SHCTX "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "uninstall"
    !insertmacro StopQuickHelp

    Delete "$INSTDIR\${PRODUCT_EXECUTABLE}"
    Delete "$INSTDIR\${SHARER_EXECUTABLE}"
    Delete "$INSTDIR\uninstall.exe"
    RMDir "$INSTDIR"
    ## The WebView2 data folder of the user running the uninstaller.
    RMDir /r "$APPDATA\${PRODUCT_EXECUTABLE}"

    Delete "$SMPROGRAMS\${INFO_PRODUCTNAME}.lnk"
    DeleteRegKey SHCTX "${UNINST_KEY}"
SectionEnd

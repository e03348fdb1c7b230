; Inno Setup 6 script: the Windows installer of Sa Đéc Desk (issue #19 item 4).
;
;   pyinstaller --noconfirm packaging\sadec-desk.spec        (makes dist\sadec-desk\)
;   iscc /DAppVersion=0.1.0 packaging\windows\sadec-desk.iss  (makes dist\installer\)
;
; .github/workflows/windows.yml builds, installs, runs and uninstalls it on a Windows
; runner. It has NOT been run on Windows from this repository's development machine
; (Linux); see README.md, "Windows".
;
; - Per user, no administrator rights: installs under %LOCALAPPDATA%\Programs\Sa Dec Desk.
; - Start-menu shortcuts: the counter (the desktop app), the kiosk and the display board
;   (the app opening the kiosk or the board once staff sign in: sadec-desk gui --open).
; - A scheduled task of this user runs "backup create --if-due" every hour (it backs up only
;   when the newest backup is older than backup.interval_hours); the windowed program runs
;   it, so no console window flashes, and an error goes to the log and a dialog.
; - The Visual C++ 2013 runtime that pyzbar's DLLs need is inside the app folder, beside
;   them (the spec puts msvcr120.dll and msvcp120.dll there), so no system-wide install.
; - The data (database, backups, logs, settings: config.toml) lives in
;   %LOCALAPPDATA%\sadec-desk, which the installer never touches: it is kept on uninstall.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\sadec-desk"
#endif

#define AppName "Sa Đéc Desk"
#define TaskName "Sa Dec Desk\Sao luu du lieu"

[Setup]
AppId={{CA531C80-E448-4223-86E3-CBA345630F86}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Sa Đéc Desk
DefaultDirName={localappdata}\Programs\Sa Dec Desk
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; per-user: no UAC prompt, nothing written outside the user's profile
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist\installer
OutputBaseFilename=sadec-desk-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
UninstallDisplayName={#AppName}
UninstallDisplayIcon={app}\sadec-desk-gui.exe
; the app may be running (the counter PC): close it before replacing its files
CloseApplications=yes

[Languages]
Name: "vi"; MessagesFile: "compiler:Languages\Vietnamese.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Sa Đéc Desk — Quầy tiếp nhận"; Filename: "{app}\sadec-desk-gui.exe"; Parameters: "gui"; WorkingDir: "{app}"
Name: "{group}\Sa Đéc Desk — Kiosk lấy số"; Filename: "{app}\sadec-desk-gui.exe"; Parameters: "gui --open kiosk"; WorkingDir: "{app}"
Name: "{group}\Sa Đéc Desk — Bảng hiển thị"; Filename: "{app}\sadec-desk-gui.exe"; Parameters: "gui --open board"; WorkingDir: "{app}"
Name: "{userdesktop}\Sa Đéc Desk"; Filename: "{app}\sadec-desk-gui.exe"; Parameters: "gui"; WorkingDir: "{app}"; Tasks: desktopicon
; a kiosk PC or a board PC of an office with several PCs (README, "Nhiều máy trong một văn phòng"):
; the kiosk or the board alone, with nobody signed in
Name: "{group}\Sa Đéc Desk — Kiosk (máy kiosk riêng)"; Filename: "{app}\sadec-desk-gui.exe"; Parameters: "kiosk"; WorkingDir: "{app}"
Name: "{group}\Sa Đéc Desk — Bảng hiển thị (máy TV riêng)"; Filename: "{app}\sadec-desk-gui.exe"; Parameters: "board"; WorkingDir: "{app}"
; started when this Windows user signs in: a shortcut in the Startup folder (shell:startup)
Name: "{userstartup}\Sa Đéc Desk — Quầy tiếp nhận"; Filename: "{app}\sadec-desk-gui.exe"; Parameters: "counter"; WorkingDir: "{app}"; Tasks: startcounter
Name: "{userstartup}\Sa Đéc Desk — Kiosk"; Filename: "{app}\sadec-desk-gui.exe"; Parameters: "kiosk"; WorkingDir: "{app}"; Tasks: startkiosk
Name: "{userstartup}\Sa Đéc Desk — Bảng hiển thị"; Filename: "{app}\sadec-desk-gui.exe"; Parameters: "board"; WorkingDir: "{app}"; Tasks: startboard

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"
Name: "backuptask"; Description: "Sao lưu dữ liệu tự động mỗi giờ khi đến hạn (Task Scheduler)"; GroupDescription: "Sao lưu:"
Name: "startcounter"; Description: "Quầy tiếp nhận"; GroupDescription: "Khởi động cùng Windows (máy này chạy):"; Flags: unchecked
Name: "startkiosk"; Description: "Kiosk công dân (toàn màn hình, không cần đăng nhập)"; GroupDescription: "Khởi động cùng Windows (máy này chạy):"; Flags: unchecked
Name: "startboard"; Description: "Bảng hiển thị trên màn hình board.monitor"; GroupDescription: "Khởi động cùng Windows (máy này chạy):"; Flags: unchecked

[Run]
; the user's own task (no /RU: it runs as this user, only while signed in; no admin needed)
Filename: "{sys}\schtasks.exe"; Parameters: "/Create /F /SC HOURLY /TN ""{#TaskName}"" /TR ""\""{app}\sadec-desk-gui.exe\"" backup create --if-due"""; Flags: runhidden; Tasks: backuptask; StatusMsg: "Đang tạo lịch sao lưu…"
Filename: "{app}\sadec-desk-gui.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallRun]
Filename: "{sys}\schtasks.exe"; Parameters: "/Delete /F /TN ""{#TaskName}"""; Flags: runhidden; RunOnceId: "DeleteBackupTask"

; No [UninstallDelete] on purpose: the office's database, backups, logs and settings stay
; in %LOCALAPPDATA%\sadec-desk after an uninstall, for a reinstall or an upgrade to find them.

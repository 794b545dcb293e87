; Inno Setup script: a Windows installer of ketaroom's one-folder build, with a Start-menu
; shortcut. UNTESTED here (the project builds and tests on Linux); see docs/packaging.md.
; Build on Windows, in a checkout with the build extra and VLC (64-bit) installed:
;   .venv\Scripts\python -m PyInstaller --noconfirm ketaroom.spec    (dist\ketaroom\)
;   iscc /DAppVersion=0.1.0 packaging\windows\ketaroom.iss            (dist\ketaroom-setup-0.1.0.exe)

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6E2B6C1A-4E57-4C55-9B5E-0D7C1F2A9E41}
AppName=ketaroom
AppVersion={#AppVersion}
AppPublisher=ketaroom developers
DefaultDirName={autopf}\ketaroom
DefaultGroupName=ketaroom
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog
OutputDir=..\..\dist
OutputBaseFilename=ketaroom-setup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
UninstallDisplayIcon={app}\ketaroom.exe

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\ketaroom\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\ketaroom"; Filename: "{app}\ketaroom.exe"; Comment: "Session room control"
Name: "{autodesktop}\ketaroom"; Filename: "{app}\ketaroom.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\ketaroom.exe"; Description: "{cm:LaunchProgram,ketaroom}"; Flags: nowait postinstall skipifsilent

"""Files that point elsewhere or mount elsewhere: .url, .webloc, .lnk, disk images, OneNote.

- ``.url`` / ``.website`` (Windows Internet Shortcut, INI text): ``URL=`` is where a
  double-click goes; ``IconFile=`` on a remote host or UNC share is fetched when the
  folder is merely displayed (an NTLM or IP leak without any click).
- ``.webloc`` (macOS, XML or binary property list): the ``URL`` string.
- ``.lnk`` (Windows shortcut): the shell link header is recognised by its magic;
  URLs and UNC paths in its strings (ASCII or UTF-16) are reported.
- Disk images (ISO 9660, VHD, VHDX, DMG, FAT/NTFS raw images) by magic: they mount
  with a double-click and carry files past the mark-of-the-web.
- OneNote (.one): recognised by its file-format GUID; embedded files by the
  FileDataStoreObject GUID (how 2023 campaigns delivered scripts and executables).
"""

from __future__ import annotations

import re

from .base import Collector, decode_text, is_remote_url

ONENOTE_MAGIC = bytes.fromhex("e4525c7b8cd8a74daeb15378d02996d3")
ONENOTE_FILE_DATA = bytes.fromhex("e716e3bd65261145a4c48d4d0b7a9eac")
_ASCII_URL = re.compile(rb"(?i)(?:https?://|\\\\\\\\)[\x21-\x7e]{4,2000}")
_UTF16_URL = re.compile(rb"(?i)(?:h\x00t\x00t\x00p\x00s?\x00:\x00/\x00/\x00|\\\x00\\\x00)(?:[\x21-\x7e]\x00){4,2000}")
_WEBLOC_XML = re.compile(r"(?s)<key>\s*URL\s*</key>\s*<string>([^<]{1,4000})</string>")


def disk_image_kind(data: bytes) -> str:
    """"iso", "vhd", "vhdx", "dmg", "img" or "" from the bytes."""
    if data[0x8001:0x8006] == b"CD001" or data[0x8801:0x8806] == b"CD001" or data[0x9001:0x9006] == b"CD001":
        return "iso"
    if data[:8] == b"vhdxfile":
        return "vhdx"
    if data[:8] == b"conectix" or (len(data) >= 512 and data[-512:-504] == b"conectix"):
        return "vhd"
    if len(data) >= 512 and data[-512:-508] == b"koly":
        return "dmg"
    if len(data) >= 512 and data[510:512] == b"\x55\xaa" and (data[3:11] in (b"NTFS    ", b"EXFAT   ") or data[54:59] == b"FAT12" or data[54:59] == b"FAT16" or data[82:87] == b"FAT32"):
        return "img"
    return ""


def analyse_url_file(data: bytes, part: str, collector: Collector) -> None:
    text = decode_text(data[:65536])
    section = ""
    for line in text.splitlines()[:500]:
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].lower()
            continue
        key, sep, value = line.partition("=")
        if not sep:
            continue
        key = key.strip().lower()
        value = value.strip()
        if key == "url" and section in ("internetshortcut", "{000214a0-0000-0000-c000-000000000046}", ""):
            collector.link(value, source="shortcut", tag="url")
            collector.signal("SHORTCUT_URL", value)
            if not value.lower().startswith(("http://", "https://")):
                # file:, a UNC path, search-ms:, ms-..., smb:, ...: opens something other than a web page
                collector.signal("SHORTCUT_LOCAL_TARGET", value)
        elif key == "iconfile" and is_remote_url(value):
            collector.resource(value, "shortcut-icon", "iconfile")
            collector.signal("SHORTCUT_REMOTE_ICON", value)
        elif key in ("workingdirectory", "modified") and value.startswith("\\\\"):
            collector.signal("SHORTCUT_UNC_PATH", value)


def analyse_webloc(data: bytes, part: str, collector: Collector) -> None:
    if data.startswith(b"bplist00"):
        urls = [m.decode("ascii", "replace") for m in _ASCII_URL.findall(data[:65536])]
    else:
        urls = [m.strip() for m in _WEBLOC_XML.findall(decode_text(data[:65536]))]
    for url in urls[:5]:
        collector.link(url, source="shortcut", tag="webloc")
        collector.signal("SHORTCUT_URL", url)
        if not url.lower().startswith(("http://", "https://")):
            # file:, smb:, afp:, a .fileloc-style local path: opens something other than a web page
            collector.signal("SHORTCUT_LOCAL_TARGET", url)


def analyse_lnk(data: bytes, part: str, collector: Collector) -> None:
    collector.signal("LNK_FILE", f"{len(data)} bytes")
    head = data[:262144]
    found = [m.decode("ascii", "replace") for m in _ASCII_URL.findall(head)]
    found += [m.decode("utf-16-le", "replace") for m in _UTF16_URL.findall(head)]
    lowered = head.lower()
    for word in (b"powershell", b"p\x00o\x00w\x00e\x00r\x00s\x00h\x00e\x00l\x00l\x00", b"mshta", b"m\x00s\x00h\x00t\x00a\x00",
                 b"cmd.exe", b"c\x00m\x00d\x00.\x00e\x00x\x00e\x00"):
        if word in lowered:
            collector.signal("LNK_RUNS_INTERPRETER", word.replace(b"\x00", b"").decode())
            break
    for value in found[:10]:
        collector.signal("LNK_REMOTE_TARGET", value)
        if is_remote_url(value):
            collector.resource(value, "shortcut-target", "lnk")


def analyse_disk_image(data: bytes, part: str, collector: Collector) -> None:
    kind = disk_image_kind(data)
    collector.signal("DISK_IMAGE", kind or "by name")


def analyse_onenote(data: bytes, part: str, collector: Collector) -> None:
    collector.signal("ONENOTE_FILE", "OneNote section")
    count = data.count(ONENOTE_FILE_DATA)
    if count:
        collector.signal("ONENOTE_EMBEDDED_FILE", f"{count} embedded file(s)")
        for marker, what in ((b"MZ\x90\x00", "an executable"), (b"<hta:", "an HTA"), (b"WScript", "a Windows script"),
                             (b"@echo off", "a batch file"), (b"powershell", "PowerShell")):
            if marker.lower() in data.lower():
                collector.signal("ONENOTE_EMBEDDED_EXECUTABLE", what)
                break

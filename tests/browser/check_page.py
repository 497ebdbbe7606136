#!/usr/bin/python3
"""check_page.py PAGE.html SCREENSHOT.png [--width W] [--timeout S] [--floor F]

Open an HTML page in headless Chromium through the DevTools protocol over a
pipe (--remote-debugging-pipe: no port, no websocket library) and fail on:
  - any console error, uncaught exception or error log entry of the page;
  - a blank plot: a visible <figure class="plot"> whose region of the
    full-page screenshot has less than FLOOR of non-background pixels;
  - a clipped plot: an SVG text element reaching outside its picture's
    canvas, a PNG that did not decode, or a figure wider than the page.
Writes the full-page screenshot to SCREENSHOT.png (the test artifact) and
prints the page height and the figures checked.  Exit 0 pass, 1 fail.
Never skips: a Chromium that does not start, or a page that does not load
within the timeout, fails loudly.
Needs: chromium, python3-pil (scripts/deps.sh installs both).
"""
import base64
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

try:
    from PIL import Image
except ImportError:
    print("check_page: python3-pil is missing (apt-get install python3-pil; scripts/deps.sh)",
          file=sys.stderr)
    sys.exit(1)


def fail(msg):
    print("check_page: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


class Chromium:
    """Chromium with the DevTools protocol on fds 3 (to it) and 4 (from it)."""

    def __init__(self, exe, deadline, width):
        self.deadline = deadline
        self.profile = tempfile.mkdtemp(prefix="cs-chromium-")
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()
        # the child must see them as fds 3 and 4
        def child():  # via high numbers: to_r or from_w may themselves be 3 or 4
            os.dup2(to_r, 200)
            os.dup2(from_w, 201)
            os.dup2(200, 3)
            os.dup2(201, 4)
            os.close(200)
            os.close(201)
        args = [exe, "--headless=new", "--remote-debugging-pipe", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--hide-scrollbars", "--mute-audio",
                "--user-data-dir=" + self.profile, "--window-size=%d,900" % width,
                "about:blank"]
        self.log = tempfile.TemporaryFile()
        try:
            self.p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log,
                                      stderr=self.log, preexec_fn=child, pass_fds=(3, 4))
        except OSError as e:
            fail("cannot start %s: %s" % (exe, e))
        os.close(to_r)
        os.close(from_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def chrome_log(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-3000:]

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        try:
            os.write(self.to_w, data)
        except OSError as e:
            fail("chromium closed the DevTools pipe (%s); its output:\n%s" % (e, self.chrome_log()))
        return self.next_id

    def read_msg(self):
        import select
        while b"\0" not in self.buf:
            left = self.deadline - time.time()
            if left <= 0:
                fail("timed out waiting for chromium; its output:\n" + self.chrome_log())
            r, _, _ = select.select([self.from_r], [], [], left)
            if not r:
                continue
            chunk = os.read(self.from_r, 1 << 20)
            if not chunk:
                fail("chromium exited (status %s); its output:\n%s"
                     % (self.p.poll(), self.chrome_log()))
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        want = self.send(method, params, session)
        while True:
            m = self.read_msg()
            if m.get("id") == want:
                if "error" in m:
                    fail("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, name):
        for i, m in enumerate(self.events):
            if m.get("method") == name:
                del self.events[i]
                return m
        while True:
            m = self.read_msg()
            if m.get("method") == name:
                return m
            self.events.append(m)

    def close(self):
        try:
            self.send("Browser.close")
            self.p.wait(timeout=5)
        except Exception:
            pass
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


# What the page tells about itself: height, and per visible plot its rectangle
# (page coordinates), whether its picture decoded, and SVG texts that reach
# outside their canvas (clipped labels).
LAYOUT_JS = r"""
(function(){
  var out = {height: document.documentElement.scrollHeight,
             width: document.documentElement.scrollWidth, figures: []};
  var figs = document.querySelectorAll('figure.plot');
  for (var i = 0; i < figs.length; i++) {
    var f = figs[i];
    var shown = f.checkVisibility ? f.checkVisibility({contentVisibilityAuto: true,
                                                       visibilityProperty: true})
                                  : f.getClientRects().length > 0;
    for (var a = f.parentElement; a && shown; a = a.parentElement)   // closed <details>
      if (a.tagName === 'DETAILS' && !a.open) shown = false;
    if (!shown) continue;                                // hidden (another seed, closed)
    var pic = f.querySelector('svg, img');
    if (!pic) { out.figures.push({index: i, missing: true}); continue; }
    var r = pic.getBoundingClientRect();
    var o = {index: i, caption: (f.querySelector('figcaption')||{}).textContent || '',
             x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height,
             kind: pic.tagName.toLowerCase(), clipped: []};
    if (o.kind === 'img') {
      o.decoded = pic.complete && pic.naturalWidth > 0;
    } else {
      var vb = pic.viewBox && pic.viewBox.baseVal;
      var W = vb && vb.width ? vb.width : pic.width.baseVal.value;
      var H = vb && vb.height ? vb.height : pic.height.baseVal.value;
      var texts = pic.querySelectorAll('text');
      for (var k = 0; k < texts.length; k++) {
        var t = texts[k];
        if (!t.textContent.trim()) continue;
        var b = t.getBBox(), m = t.getCTM(), svgm = pic.getCTM ? pic.getScreenCTM() : null;
        // the text's box in the canvas' user units
        var p1 = pic.createSVGPoint(); p1.x = b.x; p1.y = b.y;
        var p2 = pic.createSVGPoint(); p2.x = b.x + b.width; p2.y = b.y + b.height;
        var tm = t.getScreenCTM(), cm = pic.getScreenCTM();
        if (tm && cm) {
          var rel = cm.inverse().multiply(tm);
          p1 = p1.matrixTransform(rel); p2 = p2.matrixTransform(rel);
        }
        var x0 = Math.min(p1.x, p2.x), x1 = Math.max(p1.x, p2.x);
        var y0 = Math.min(p1.y, p2.y), y1 = Math.max(p1.y, p2.y);
        if (x0 < -1 || y0 < -1 || x1 > W + 1 || y1 > H + 1)
          o.clipped.push(t.textContent.trim().slice(0, 60) + ' [' + [x0, y0, x1, y1].map(Math.round)
                         + ' outside 0,0,' + Math.round(W) + ',' + Math.round(H) + ']');
      }
    }
    out.figures.push(o);
  }
  return JSON.stringify(out);
})()
"""


# The page's controls, as a user would use them: every seed selector shows
# the chosen seed's figure and hides the others; then "Expand all" opens
# every section, so that every plot but the other seeds' is checked.
INTERACT_JS = r"""
(function(){
  var out = {selectors: 0, problems: [], height: document.documentElement.scrollHeight};
  function shown(f){ return !f.hidden && getComputedStyle(f).display !== 'none'; }
  var sels = document.querySelectorAll('select.seed');
  for (var i = 0; i < sels.length; i++) {
    var s = sels[i], g = s.getAttribute('data-group');
    if (s.options.length < 2) continue;
    out.selectors++;
    var first = s.value;
    for (var k = s.options.length - 1; k >= 0; k--) {
      s.value = s.options[k].value;
      s.dispatchEvent(new Event('change'));
      var figs = document.querySelectorAll('figure[data-group="' + g + '"]');
      var on = [];
      for (var j = 0; j < figs.length; j++) if (shown(figs[j])) on.push(figs[j].getAttribute('data-run'));
      if (on.length !== 1 || on[0] !== s.value)
        out.problems.push('selector ' + g + ' = ' + s.value + ' shows [' + on.join(',') + ']');
    }
    if (s.value !== first) { s.value = first; s.dispatchEvent(new Event('change')); }
  }
  var b = document.querySelector('button[data-all="open"]');
  if (b) b.click();
  var ds = document.querySelectorAll('details');
  for (var d = 0; d < ds.length; d++)
    if (!ds[d].open) out.problems.push('Expand all left a section closed: ' + (ds[d].id || d));
  return JSON.stringify(out);
})()
"""


def ink_share(img, box):
    """Share of pixels in box that are not (near) white."""
    region = img.crop(box).convert("RGB")
    w, h = region.size
    if w == 0 or h == 0:
        return 0.0
    px = region.getdata()
    ink = sum(1 for (r, g, b) in px if r < 235 or g < 235 or b < 235)
    return ink / float(w * h)


def main():
    argv = sys.argv[1:]
    opts = {"--width": "1200", "--timeout": "90", "--floor": "0.01"}
    pos = []
    i = 0
    while i < len(argv):
        if argv[i] in opts and i + 1 < len(argv):
            opts[argv[i]] = argv[i + 1]
            i += 2
        else:
            pos.append(argv[i])
            i += 1
    if len(pos) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    page, shot = pos
    width, floor = int(opts["--width"]), float(opts["--floor"])
    deadline = time.time() + float(opts["--timeout"])
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which(
        "google-chrome")
    if not exe:
        fail("chromium not found (apt-get install chromium; scripts/deps.sh installs it)")
    if not os.path.isfile(page):
        fail("no page " + page)
    url = "file://" + os.path.abspath(page)

    c = Chromium(exe, deadline, width)
    try:
        target = c.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        sess = c.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for m in ("Page.enable", "Runtime.enable", "Log.enable"):
            c.call(m, {}, sess)
        c.call("Emulation.setDeviceMetricsOverride",
               {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, sess)
        c.call("Page.navigate", {"url": url}, sess)
        c.wait_event("Page.loadEventFired")
        # let the inline script and layout settle
        c.call("Runtime.evaluate", {"expression": "new Promise(r => setTimeout(r, 300))",
                                    "awaitPromise": True}, sess)
        res = c.call("Runtime.evaluate", {"expression": INTERACT_JS, "returnByValue": True},
                     sess)
        if "exceptionDetails" in res:
            fail("interaction script: %s" % res["exceptionDetails"])
        interact = json.loads(res["result"]["value"])
        res = c.call("Runtime.evaluate", {"expression": LAYOUT_JS, "returnByValue": True}, sess)
        if "exceptionDetails" in res:
            fail("layout script: %s" % res["exceptionDetails"])
        layout = json.loads(res["result"]["value"])
        height = min(int(layout["height"]), 16000)
        c.call("Emulation.setDeviceMetricsOverride",
               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, sess)
        c.call("Runtime.evaluate", {"expression": "new Promise(r => setTimeout(r, 200))",
                                    "awaitPromise": True}, sess)
        png = c.call("Page.captureScreenshot",
                     {"format": "png", "captureBeyondViewport": True,
                      "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}},
                     sess)["data"]
        # Plots below the full-page screenshot (a page taller than 16000 px):
        # each scrolled into view and captured on its own.
        shots = {}
        for fig in layout["figures"]:
            if fig.get("missing") or fig["w"] < 50 or fig["h"] < 50 or \
                    fig["y"] + fig["h"] <= height:
                continue
            vh = int(min(max(900, fig["h"] + 40), 8000))
            c.call("Emulation.setDeviceMetricsOverride",
                   {"width": width, "height": vh, "deviceScaleFactor": 1, "mobile": False}, sess)
            c.call("Runtime.evaluate", {"expression": "window.scrollTo(0, %d); new Promise(r => "
                                        "requestAnimationFrame(() => setTimeout(r, 50)))"
                                        % max(0, int(fig["y"]) - 10), "awaitPromise": True}, sess)
            shots[fig["index"]] = c.call(
                "Page.captureScreenshot",
                {"format": "png", "clip": {"x": fig["x"], "y": fig["y"], "width": fig["w"],
                                           "height": min(fig["h"], vh - 20), "scale": 1}},
                sess)["data"]
        # drain what arrived meanwhile (console messages)
        events = list(c.events)
    finally:
        c.close()

    os.makedirs(os.path.dirname(os.path.abspath(shot)), exist_ok=True)
    raw = base64.b64decode(png)
    with open(shot, "wb") as f:
        f.write(raw)
    img = Image.open(io.BytesIO(raw))

    problems = list(interact["problems"])
    for m in events:
        meth, p = m.get("method"), m.get("params", {})
        if meth == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            problems.append("uncaught exception: %s %s" % (
                d.get("text", ""), (d.get("exception") or {}).get("description", "")))
        elif meth == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            problems.append("console.%s: %s" % (p["type"], " ".join(
                str(a.get("value", a.get("description", ""))) for a in p.get("args", []))))
        elif meth == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            e = p["entry"]
            problems.append("log error (%s): %s %s" % (e.get("source"), e.get("text"),
                                                        e.get("url", "")))

    print("check_page: %s: %d bytes; page %d px wide, %d px high as opened, %d px with every "
          "section open; %d visible plots, %d seed selectors" % (
              page, os.path.getsize(page), layout["width"], interact["height"], layout["height"],
              len(layout["figures"]), interact["selectors"]))
    if layout["width"] > width + 1:
        problems.append("page wider than the window: %d px > %d" % (layout["width"], width))
    if not layout["figures"]:
        problems.append("no visible plot on the page")
    for fig in layout["figures"]:
        name = "plot %d (%s)" % (fig["index"], fig.get("caption", "")[:70])
        if fig.get("missing"):
            problems.append(name + ": no picture in the figure")
            continue
        if fig["kind"] == "img" and not fig.get("decoded"):
            problems.append(name + ": PNG did not decode")
        for t in fig.get("clipped", []):
            problems.append(name + ": clipped text " + t)
        if fig["w"] < 50 or fig["h"] < 50:
            problems.append(name + ": drawn %dx%d px" % (fig["w"], fig["h"]))
            continue
        if fig["x"] + fig["w"] > width + 1:
            problems.append(name + ": cut at the right edge of the page")
        if fig["index"] in shots:  # captured on its own
            own = Image.open(io.BytesIO(base64.b64decode(shots[fig["index"]])))
            share = ink_share(own, (0, 0) + own.size)
        else:
            share = ink_share(img, (int(fig["x"]), int(fig["y"]), int(fig["x"] + fig["w"]),
                                    int(fig["y"] + fig["h"])))
        print("  %-70s %4dx%-4d at y=%-5d ink %5.1f %%" % (
            name[:70], fig["w"], fig["h"], fig["y"], 100 * share))
        if share < floor:
            problems.append("%s: blank (%.2f %% non-background pixels < %.2f %%)" % (
                name, 100 * share, 100 * floor))
    print("check_page: screenshot %s" % shot)
    if problems:
        for p in problems:
            print("check_page: FAIL: " + p, file=sys.stderr)
        sys.exit(1)
    print("check_page: PASS")


if __name__ == "__main__":
    main()

"""A real CalDAV server (Radicale) on localhost, in a subprocess, with a tiny stdlib client."""

import base64
import http.client
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.daemons import LocalServer

DAV = "{DAV:}"
CALDAV = "{urn:ietf:params:xml:ns:caldav}"

MKCALENDAR_BODY = b"""<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop>
    <D:displayname>LearnHub</D:displayname>
    <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>"""

CALENDAR_QUERY_BODY = b"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter>
</C:calendar-query>"""


class RadicaleServer(LocalServer):
    """Radicale with no config file, anonymous-friendly auth and storage in `folder`."""

    name = "Radicale"
    user = "learnhub"  # auth type "none" accepts any user; owner_only rights then give it /learnhub/

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self.log_path = folder / "radicale.log"

    def start(self, timeout: float = 10.0) -> None:
        command = [
            sys.executable, "-m", "radicale", "--config",  # no files: only the options below count
            "--server-hosts", f"127.0.0.1:{self.port}",
            "--storage-filesystem-folder", str(self.folder / "collections"),
            "--auth-type", "none", "--rights-type", "owner_only",
            "--logging-level", "warning",
        ]
        self._launch(command, timeout, self.log_path)

    def _log(self) -> str:
        return self.log_path.read_text()

    def request(self, method: str, path: str, body: bytes = b"",
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """Send one request on its own connection; returns the status and the body."""
        credentials = base64.b64encode(f"{self.user}:".encode()).decode()
        all_headers = {"Authorization": f"Basic {credentials}", **(headers or {})}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def make_calendar(self, path: str) -> int:
        return self.request("MKCALENDAR", path, MKCALENDAR_BODY, {"Content-Type": "application/xml"})[0]

    def put(self, path: str, body: bytes) -> int:
        return self.request("PUT", path, body, {"Content-Type": "text/calendar; charset=utf-8"})[0]

    def calendar_objects(self, collection: str) -> dict[str, str]:
        """href -> calendar data of every VEVENT object in the collection (a calendar-query REPORT)."""
        status, body = self.request("REPORT", collection, CALENDAR_QUERY_BODY,
                                    {"Content-Type": "application/xml", "Depth": "1"})
        if status != 207:
            raise RuntimeError(f"REPORT answered {status}: {body!r}")
        objects: dict[str, str] = {}
        for item in ET.fromstring(body).iter(f"{DAV}response"):
            data = item.find(f".//{CALDAV}calendar-data")
            if data is not None and data.text:
                objects[item.findtext(f"{DAV}href", "")] = data.text
        return objects

    def _answers(self) -> bool:
        try:
            return self.request("OPTIONS", "/")[0] < 500
        except OSError:
            return False

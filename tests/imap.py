"""A real IMAP server (Debian's dovecot-imapd) on localhost, in a subprocess with its own configuration,
mail folder and one passwd-file user: no system service is touched."""

import imaplib
import os
import pwd
import shutil
import socket
import time
from pathlib import Path

from tests.daemons import LocalServer

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
default_login_user = {login_user}
default_internal_user = {internal_user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def _user_or(name: str, fallback: str) -> str:
    try:
        pwd.getpwnam(name)
        return name
    except KeyError:
        return fallback


class DovecotServer(LocalServer):
    name = "dovecot"
    user = "replies"
    password = "replies-secret"

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.root = folder

    @staticmethod
    def is_installed() -> bool:
        return os.path.exists(DOVECOT)

    def start(self, timeout: float = 15.0) -> None:
        for part in ("run", "state", "mail", "home"):
            (self.root / part).mkdir(parents=True, exist_ok=True)
        me = pwd.getpwuid(os.getuid())
        # Dovecot never keeps mail as root: as root, the mail belongs to nobody.
        owner = pwd.getpwnam(_user_or("nobody", me.pw_name)) if me.pw_uid == 0 else me
        for part in ("mail", "home"):
            os.chown(self.root / part, owner.pw_uid, owner.pw_gid)
        (self.root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        config = self.root / "dovecot.conf"
        config.write_text(CONFIG.format(
            root=self.root, port=self.port, uid=owner.pw_uid, gid=owner.pw_gid,
            login_user=_user_or("dovenull", me.pw_name), internal_user=_user_or("dovecot", me.pw_name)))
        os.chmod(self.root, 0o755)
        self._launch([DOVECOT, "-F", "-c", str(config)], timeout)

    def _log(self) -> str:
        log = self.root / "dovecot.log"
        return log.read_text() if log.exists() else ""

    def connect(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=5)
        client.login(self.user, self.password)
        return client

    def deliver(self, message: bytes, mailbox: str = "INBOX") -> None:
        """Put a message in the mailbox, as the mail server would on receiving it."""
        client = self.connect()
        try:
            client.append(mailbox, "", imaplib.Time2Internaldate(time.time()), message)
        finally:
            client.logout()

    def count(self, mailbox: str = "INBOX") -> int:
        client = self.connect()
        try:
            status, data = client.select(mailbox)
            return int(data[0])
        finally:
            client.logout()

    def _answers(self) -> bool:
        """Whether dovecot greets (read on a plain socket: imaplib leaves its socket open when it fails)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                return probe.recv(100).startswith(b"* OK")
        except OSError:
            return False

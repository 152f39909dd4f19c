"""An SMTP server on localhost that accepts every message and keeps none: `mail send-pending` is timed
against it (bench/run.py).

    python bench/mail_sink.py PORT
"""

import signal
import sys

from aiosmtpd.controller import Controller


class _Accept:
    async def handle_DATA(self, server, session, envelope):
        return "250 Message accepted for delivery"


def main() -> None:
    controller = Controller(_Accept(), hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    main()

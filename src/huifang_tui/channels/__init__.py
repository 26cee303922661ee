"""The notification channels (issue 26 item 2): email over SMTP and the group robots of DingTalk, WeCom and Feishu.

Standard library only (``smtplib``, ``email``, ``urllib.request``, ``hmac``), beside ``core`` and
``domain``: no database, no services. Not Apprise: its DingTalk and WeCom plugins take HTTP 200
for success although those robots answer errors as 200 with an error code, its DingTalk sign is
URL-encoded twice, it does not sign Feishu, and it gives back nothing of the server's answer to
show. So each adapter here is small and written for its service:

- ``message``: ``Outgoing`` (what to say: number, title, lines, an attachment) and ``Answer``
  (delivered or not, rate limited, and what the server said, secrets scrubbed);
- ``config``: ``ChannelConfig``, the notify file (``load_channels``, ``notify_file``: who may own
  it and read it), ``describe`` and the example file;
- ``mail`` and ``robots``: the adapters; ``send``: ``send(cfg, msg) -> Answer``, never raising for
  the network.
"""

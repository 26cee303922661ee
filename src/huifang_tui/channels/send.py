"""``send(cfg, msg)``: one message through one channel, whatever its type.

Never raises for the network or the server: every way a message may not get through is an
``Answer(ok=False, …)`` carrying what happened, for the delivery to record and try again.
"""

from __future__ import annotations

from collections.abc import Callable

from .config import ChannelConfig
from .mail import send_email
from .message import Answer, Outgoing
from .robots import send_dingtalk, send_feishu, send_wecom

SENDERS: dict[str, Callable[[ChannelConfig, Outgoing], Answer]] = {
    "email": send_email,
    "dingtalk": send_dingtalk,
    "wecom": send_wecom,
    "feishu": send_feishu,
}


def send(cfg: ChannelConfig, msg: Outgoing) -> Answer:
    return SENDERS[cfg.type](cfg, msg)

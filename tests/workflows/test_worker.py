"""The worker refuses to start when a channel kind has no registered delivery activity."""

from __future__ import annotations

import pytest

from activities.delivery import AlertDelivery
from models.alerts import DeliveryConfig
from petitionflow.worker import MissingDeliveryActivity, check_delivery_activities


def test_every_channel_kind_needs_its_activity(engine) -> None:
    alerts = AlertDelivery(engine, DeliveryConfig())
    check_delivery_activities([alerts.alert_targets, alerts.deliver_webhook, alerts.deliver_email])
    with pytest.raises(MissingDeliveryActivity, match="email"):
        check_delivery_activities([alerts.alert_targets, alerts.deliver_webhook])

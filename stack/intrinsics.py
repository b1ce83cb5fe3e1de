"""CloudFormation side of the placeholder scheme: ``${...}`` text becomes ``Fn::Sub``, regional
thresholds become ``Fn::If`` on the region, and alarm references become resource references."""

from __future__ import annotations

import re
from typing import Any

from alarms.model import Regional
from alarms.render import PLACEHOLDER
from alarms.routing import SHARED_SLUGS

IS_EU_REGION = "IsEuRegion"


def ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def get_att(resource: str, attribute: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [resource, attribute]}


def pascal(text: str) -> str:
    """``error-rate-express`` -> ``ErrorRateExpress`` (logical ids are alphanumeric)."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def alarm_logical_id(profile: str, slug: str) -> str:
    """Stable logical id of an alarm; the shared deploy window has no profile prefix."""
    prefix = "" if slug in SHARED_SLUGS else pascal(profile)
    return f"{prefix}{pascal(slug)}Alarm"


class CfnResolver:
    """Implements :class:`alarms.render.Resolver` (and the dashboards' ARN lookup) with intrinsics."""

    def text(self, template: str) -> Any:
        return {"Fn::Sub": template} if PLACEHOLDER.search(template) else template

    def regional(self, value: Regional) -> Any:
        return {"Fn::If": [IS_EU_REGION, value.eu, value.na]}

    def reference(self, profile: str, slug: str) -> str:
        return f"${{{alarm_logical_id(profile, slug)}}}"

    def arn(self, profile: str, slug: str) -> str:
        return f"${{{alarm_logical_id(profile, slug)}.Arn}}"

"""Whether the tumour has an epidural (canal) component (Appendix 3 `epidural_component`; STAGING §5;
read by LCH-01/02/03, OC-02 and QP-03)."""
from __future__ import annotations

from .base import Derived, unknown

CONFLICT = ("epidural_data_conflict",
            "ESCC 0 (tumour confined to bone) is recorded together with WBB layer D or E (epidural or "
            "intradural tumour): the epidural component is not derived until the conflict is resolved")


def epidural_component(layers: list[str] | None, escc: str | None) -> Derived:
    """Appendix 3, in its order: (1) ESCC "0" with layer D or E: None with the conflict flag (conflicting
    data are never read as false; nothing lacked, so nothing may be presumed for it); (2) layer D or E, or
    an ESCC other than "0": true; (3) ESCC "0", or layers recorded without D and E: false; (4) neither
    recorded: None (missing)."""
    canal = None if layers is None else bool({"D", "E"} & set(layers))
    if escc == "0" and canal:
        return Derived(None, (), (CONFLICT,))
    if canal or (escc is not None and escc != "0"):
        return Derived(True)
    if escc == "0" or canal is False:
        return Derived(False)
    return unknown("lesion.epidural.escc", "lesion.wbb.layers")

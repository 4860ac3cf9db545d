"""JSON Schemas of the definition files, for editors and validators.

Every registered kind with a definition model has one (from the registry), plus the
agency profile.
"""

from __future__ import annotations

import json

from pydantic import BaseModel

from sopdocs.errors import SopdocsError
from sopdocs.kinds.registry import kinds

PROFILE = "profil"


def models() -> dict[str, tuple[type[BaseModel], str]]:
    """Schema name -> (model, title)."""
    from sopdocs.definitions.profile import AgencyProfile

    found: dict[str, tuple[type[BaseModel], str]] = {
        name: (kind.model, f"Definisi {kind.label} (sopdocs)")
        for name, kind in sorted(kinds().items())
        if kind.model is not None
    }
    found[PROFILE] = (AgencyProfile, "Profil instansi (sopdocs)")
    return found


def json_schema(kind: str) -> str:
    known = models()
    if kind not in known:
        raise SopdocsError(f"jenis skema tidak dikenal: {kind} (pilihan: {', '.join(known)})")
    model, title = known[kind]
    schema = model.model_json_schema(mode="validation")
    for internal in ("source", "base_dir"):
        schema.get("properties", {}).pop(internal, None)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = title
    return json.dumps(schema, indent=2, ensure_ascii=False)

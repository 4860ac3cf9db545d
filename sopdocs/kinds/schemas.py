"""JSON Schemas of the definition files, for editors and validators."""

from __future__ import annotations

import json

from pydantic import BaseModel

from sopdocs.errors import SopdocsError


def _models() -> dict[str, tuple[type[BaseModel], str]]:
    from sopdocs.kinds.disposisi import DisposisiDefinition
    from sopdocs.kinds.kuesioner.kuesioner import KuesionerDefinition
    from sopdocs.definitions.profile import AgencyProfile
    from sopdocs.kinds.sop.sopdef import SopDefinition
    from sopdocs.kinds.surattugas import SuratTugasDefinition

    return {
        "disposisi": (DisposisiDefinition, "Lembar disposisi (sopdocs)"),
        "surat-tugas": (SuratTugasDefinition, "Surat tugas (sopdocs)"),
        "kuesioner": (KuesionerDefinition, "Definisi kuesioner (sopdocs)"),
        "sop": (SopDefinition, "Definisi SOP (sopdocs)"),
        "profil": (AgencyProfile, "Profil instansi (sopdocs)"),
    }


def json_schema(kind: str) -> str:
    models = _models()
    if kind not in models:
        raise SopdocsError(f"jenis skema tidak dikenal: {kind} (pilihan: {', '.join(models)})")
    model, title = models[kind]
    schema = model.model_json_schema(mode="validation")
    for internal in ("source", "base_dir"):
        schema.get("properties", {}).pop(internal, None)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = title
    return json.dumps(schema, indent=2, ensure_ascii=False)

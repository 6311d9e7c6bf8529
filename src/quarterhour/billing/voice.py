"""The inquiry's sentence as a spoken WAV prompt, when espeak-ng is installed.

Speech is optional: without espeak-ng the line reads the text itself and this module says so
(`Unavailable`), nothing else changes. No voice data is downloaded; espeak-ng's own Mandarin
voice (from the Debian package) is used.
"""

from __future__ import annotations

import shutil
import subprocess

from quarterhour.errors import Unavailable

ENGINE = "espeak-ng"
TIMEOUT_SECONDS = 10


def available() -> bool:
    return shutil.which(ENGINE) is not None


def speak(sentence: str) -> bytes:
    """WAV bytes of `sentence` read in Mandarin."""
    engine = shutil.which(ENGINE)
    if engine is None:
        raise Unavailable("spoken prompts need espeak-ng on the server; use the sentence text")
    try:
        done = subprocess.run(  # noqa: S603 - a fixed program, the text passed as one argument
            [engine, "-v", "cmn", "--stdout", sentence],
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=True,
        )
    except (subprocess.SubprocessError, OSError) as error:
        raise Unavailable(f"espeak-ng could not speak the prompt: {error}") from None
    if not done.stdout.startswith(b"RIFF"):
        raise Unavailable("espeak-ng gave no WAV data")
    return done.stdout

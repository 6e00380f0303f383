"""Voicemail and briefing prompts: templates per language, the linter, and their audio.

Typical use for a voicemail (practice-guide rule 2)::

    template = voicemail_template(rule, language)           # None for "none"
    text = render_text(template, values, allow_organisation=..., allow_number=...)
    check_script(text, language=template.language, ...)      # PromptError if unsafe
    wav = prompt_audio(template.prompt_name, text, template.language, cache_dir,
                       name_key=keys.prompt_cache_key)
"""

from gateway.prompts.audio import (
    AudioStats,
    audio_stats,
    espeak_voice,
    human_recording,
    prompt_audio,
    render_audio,
)
from gateway.prompts.linter import LintProblem, check_script, lint_script, reason_phrases
from gateway.prompts.templates import (
    KINDS,
    SHIPPED_PROMPTS,
    PromptError,
    Template,
    available_scripts,
    briefing_values,
    load_template,
    render_text,
    voicemail_template,
)

__all__ = [
    "KINDS",
    "SHIPPED_PROMPTS",
    "AudioStats",
    "LintProblem",
    "PromptError",
    "Template",
    "audio_stats",
    "available_scripts",
    "briefing_values",
    "check_script",
    "espeak_voice",
    "human_recording",
    "lint_script",
    "load_template",
    "prompt_audio",
    "reason_phrases",
    "render_audio",
    "render_text",
    "voicemail_template",
]

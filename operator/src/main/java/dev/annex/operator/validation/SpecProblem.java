package dev.annex.operator.validation;

/** Why a spec is refused: a CamelCase reason for the condition and a message saying what to fix. */
public record SpecProblem(String reason, String message) {
}

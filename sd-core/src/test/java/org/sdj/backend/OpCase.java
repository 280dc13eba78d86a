package org.sdj.backend;

import java.util.function.Function;

/**
 * One op at one shape, runnable on any backend: {@code run} builds its operands from the {@link CaseInputs} and
 * returns the op's result.
 *
 * @param name op and shape, shown as the test's name
 * @param seed seed of the operands
 * @param run the op call
 */
public record OpCase(String name, long seed, Function<CaseInputs, Tensor> run) {}

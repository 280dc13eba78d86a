package org.sdj.scheduler;

/**
 * The outcome of one {@link Scheduler#step}: the sample for the next timestep and the scheduler's current estimate of
 * the fully denoised sample (x0), which previews decode. Both have the latent's shape (for instance
 * {@code [N, 4, H/8, W/8]}); on the host they are fresh arrays owned by the caller.
 *
 * @param prevSample          the sample at the next (less noisy) timestep
 * @param predOriginalSample  the denoised estimate at this step
 * @param <L>                 the latent type of the {@link LatentMath} the step ran on ({@code float[]} on the host)
 */
public record StepResult<L>(L prevSample, L predOriginalSample) {}

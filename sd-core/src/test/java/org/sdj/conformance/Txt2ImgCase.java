package org.sdj.conformance;

import static org.sdj.conformance.TensorAssert.assertImageClose;
import static org.sdj.conformance.TensorAssert.assertTensorClose;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.sdj.backend.Backend;
import org.sdj.pipeline.DenoiseSpec;
import org.sdj.pipeline.LatentStart;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.StableDiffusionPipeline;
import org.sdj.prompt.PromptSyntax;
import org.sdj.scheduler.Schedulers;

/**
 * A {@code txt2img} case: the whole pipeline from a prompt and unit-normal initial noise, compared on the final latents
 * and on the decoded image.
 */
final class Txt2ImgCase {
  private Txt2ImgCase() {}

  static void check(JsonNode c, PipelineComponents model, Backend backend, CaseSet expected,
      Tolerances tolerances) {
    String noiseName = c.get("init_noise").asText();
    float[] noise = expected.expected(noiseName);
    long[] shape = expected.expectedShape(noiseName);
    // diffusers' clip_skip counts the layers left out; A1111's "Clip skip", which sdj takes, counts one more.
    int clipSkip = c.path("clip_skip").asInt(0) + 1;
    DenoiseSpec spec = DenoiseSpec.builder(List.of(c.get("prompt").asText()), c.get("steps").asInt(),
            Schedulers.create(c.get("scheduler").asText(), model.schedulerConfig()), new LatentStart.Noise(noise),
            shape)
        .negativePrompts(List.of(c.path("negative_prompt").asText(""))).promptSyntax(PromptSyntax.PLAIN)
        .guidanceScale(c.get("guidance_scale").asDouble()).clipSkip(clipSkip).build();
    StableDiffusionPipeline pipeline = new StableDiffusionPipeline(model, backend);
    float[] latents = pipeline.denoise(spec);
    assertTensorClose(latents, expected.expected(c.get("final_latents").asText()), "final latents",
        tolerances);
    assertImageClose(pipeline.decode(latents, shape), expected.expected(c.get("image").asText()), "image",
        tolerances);
  }
}

package org.sdj.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The tiny IP-Adapters of {@code src/test/resources/ip-adapter} (made by its {@code make_ip_adapter_reference.py.txt}
 * for the shared tiny-sd1 model), copied into a folder laid out as h94/IP-Adapter's {@code models/}: the adapter files
 * beside {@code image_encoder/}. Copied, since other modules read the resources from the test jar.
 */
public final class IpAdapterFixture {
  private static final String ROOT = "/ip-adapter/";

  private IpAdapterFixture() {}

  /** The plain IP-Adapter, {@code ip-adapter.bin} (torch.save's nested dicts), with its image encoder beside it. */
  public static Path plain(Path dir) {
    return adapter(dir, "ip-adapter.bin");
  }

  /** IP-Adapter Plus, {@code ip-adapter-plus.safetensors} (the flat layout), with its image encoder beside it. */
  public static Path plus(Path dir) {
    return adapter(dir, "ip-adapter-plus.safetensors");
  }

  /** A plain IP-Adapter for the tiny SDXL ({@link SdxlFixture}), with the same image encoder beside it. */
  public static Path sdxl(Path dir) {
    return adapter(dir, "sdxl-ip-adapter.safetensors");
  }

  /**
   * One of the adapter files ({@code ip-adapter.bin}, {@code ip-adapter-plus.safetensors},
   * {@code ip-adapter-full-face.bin}, {@code sdxl-ip-adapter.safetensors}) with the image encoder beside it.
   */
  public static Path adapter(Path dir, String file) {
    Path models = dir.resolve("ip-adapter-models");
    copy(models.resolve("image_encoder/config.json"), "image_encoder/config.json");
    copy(models.resolve("image_encoder/model.safetensors"), "image_encoder/model.safetensors");
    return copy(models.resolve(file), file);
  }

  /** diffusers' final latents of the SDXL case, copied into {@code dir}. */
  public static Path sdxlExpected(Path dir) {
    return copy(dir.resolve("ip-adapter-sdxl-expected.safetensors"), "sdxl-expected.safetensors");
  }

  /** diffusers' final latents of the generator's cases (and the image tokens), copied into {@code dir}. */
  public static Path expected(Path dir) {
    return copy(dir.resolve("ip-adapter-expected.safetensors"), "expected.safetensors");
  }

  private static Path copy(Path target, String resource) {
    if (Files.exists(target)) {
      return target;
    }
    try (InputStream in = IpAdapterFixture.class.getResourceAsStream(ROOT + resource)) {
      if (in == null) {
        throw new IllegalStateException("no test resource " + ROOT + resource);
      }
      Files.createDirectories(target.getParent());
      Files.copy(in, target);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package org.sdj.io.hub;

/**
 * Receives download progress. Called on the downloading thread, often (every few tens of KB): keep it cheap and do
 * not throw.
 */
@FunctionalInterface
public interface DownloadListener {
  /** Ignores all progress. */
  DownloadListener NONE = (file, done, total) -> {};

  /**
   * @param file the file's path in the repository, e.g. {@code unet/diffusion_pytorch_model.safetensors}
   * @param done bytes on disk so far, including bytes kept from an interrupted earlier download
   * @param total the file's size in bytes
   */
  void progress(String file, long done, long total);
}

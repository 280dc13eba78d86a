/**
 * Reading PyTorch checkpoints ({@code .ckpt}, {@code .pt}, {@code .bin} written by {@code torch.save} since torch 1.6)
 * without running any code from them, and converting them to safetensors.
 *
 * <p>A checkpoint is a zip archive of a pickle ({@code <folder>/data.pkl}) and raw little-endian storages ({@code
 * <folder>/data/<key>}). Python's unpickler can call any function the file names, so sdj interprets the pickle itself:
 * only the globals a state dict needs (tensor rebuild functions, storage types, dtypes, {@code OrderedDict}) and a few
 * inert data classes are accepted, none is ever loaded or called, and any other name refuses the whole file with an
 * {@link org.sdj.io.ckpt.UnsafePickleException}. Every resource the pickle can make the reader spend is bounded, so
 * hostile or corrupt input ends in a {@link org.sdj.io.ckpt.CkptException}.
 *
 * <p>Entry points: {@link org.sdj.io.ckpt.CkptFile#open(java.nio.file.Path)} (a {@link
 * org.sdj.io.safetensors.TensorSource}) and {@link org.sdj.io.ckpt.CkptConverter#convert(java.nio.file.Path,
 * java.nio.file.Path)}.
 */
package org.sdj.io.ckpt;

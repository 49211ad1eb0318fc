// Test helper: prints a GIF's screen size and frame count ("600x400 144 frames"), read with
// giflib's own decoder, so shell tests can check a GIF that soma wrote without other tools.
//   gif_info FILE.gif
#include <gif_lib.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: gif_info FILE.gif\n");
    return 2;
  }
  int error = 0;
  GifFileType* gif = DGifOpenFileName(argv[1], &error);
  if (!gif) {
    std::fprintf(stderr, "gif_info: cannot open %s: %s\n", argv[1], GifErrorString(error));
    return 1;
  }
  if (DGifSlurp(gif) != GIF_OK) {
    std::fprintf(stderr, "gif_info: %s is not a readable GIF: %s\n", argv[1], GifErrorString(gif->Error));
    DGifCloseFile(gif, &error);
    return 1;
  }
  std::printf("%dx%d %d frames\n", gif->SWidth, gif->SHeight, gif->ImageCount);
  DGifCloseFile(gif, &error);
  return 0;
}

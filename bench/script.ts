/** The benchmarks' script: about 60 seconds of narration at espeak-ng's default pace. */
export const SCRIPT = [
  'Cutline turns one video into many. You upload a clip, type a script, and pick a voice.',
  'The narration is synthesised sentence by sentence, so every caption lands exactly when its words are spoken.',
  'Captions are burned into the picture with a style of your choosing, from clean white text to a bold karaoke highlight.',
  'Every output is cut to the length of the narration. A short clip loops, or holds its last frame.',
  'The same render produces a tall video for stories and shorts, a square one for feeds, and a wide one for the web.',
  'All of them come from a single decode of your source, so three formats cost little more than the encoding itself.',
  'The original sound is kept underneath the voice and ducked whenever someone speaks, then the mix is normalised for streaming.',
  'When the render finishes you get the videos, a thumbnail, and subtitle files for every platform.',
  'Files expire on schedule, and nothing is left behind when a render fails.',
  'That is the whole idea: your words, your footage, and a finished video in every shape your audience watches.',
].join(' ');

/** A short line per language for voice previews; English where we have none. */
const SAMPLES: Record<string, string> = {
  en: 'Hello! This is how your narration will sound.',
  es: '¡Hola! Así sonará tu narración.',
  fr: 'Bonjour ! Voici comment votre narration va sonner.',
  de: 'Hallo! So wird deine Sprachaufnahme klingen.',
  it: 'Ciao! Ecco come suonerà la tua narrazione.',
  pt: 'Olá! É assim que a sua narração vai soar.',
  nl: 'Hallo! Zo klinkt je voice-over.',
  pl: 'Cześć! Tak zabrzmi twoja narracja.',
  sv: 'Hej! Så här kommer din berättarröst att låta.',
  tr: 'Merhaba! Anlatımınız böyle duyulacak.',
  ru: 'Привет! Так будет звучать ваш дикторский текст.',
  ar: 'مرحبا! هكذا سيبدو صوت التعليق.',
  hi: 'नमस्ते! आपका वॉइसओवर ऐसा सुनाई देगा।',
  ja: 'こんにちは。ナレーションはこのように聞こえます。',
  cmn: '你好！这就是你的旁白听起来的样子。',
  zh: '你好！这就是你的旁白听起来的样子。',
  ko: '안녕하세요! 내레이션은 이렇게 들립니다.',
};

export function sampleTextFor(language: string): string {
  const base = language.toLowerCase().split(/[-_]/)[0] ?? 'en';
  return SAMPLES[base] ?? SAMPLES.en!;
}

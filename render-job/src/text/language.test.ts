import { describe, expect, it } from 'vitest';
import { detectLanguage, writingSystemsOf } from './language.js';

describe('detectLanguage', () => {
  it('names the language and writing system of a script', () => {
    expect(detectLanguage('これは日本語のテキストです。動画のナレーションを作ります。')).toEqual({
      language: 'ja',
      writingSystem: 'japanese',
      mixed: false,
    });
    expect(detectLanguage('مرحبا بكم في هذا الفيديو القصير عن منتجنا الجديد')).toMatchObject({
      language: 'ar',
      writingSystem: 'arabic',
    });
    expect(detectLanguage('Bonjour à tous, voici une vidéo narrée pour notre nouveau produit.')).toMatchObject({
      language: 'fr',
      writingSystem: 'latin',
    });
    expect(detectLanguage('Welcome to the launch of our new product, made for creators.')).toMatchObject({
      language: 'en',
      writingSystem: 'latin',
    });
    expect(
      detectLanguage(
        'Привет всем! Сегодня мы расскажем, как наш новый продукт помогает авторам делать видео быстрее и проще.',
      ),
    ).toMatchObject({ language: 'ru', writingSystem: 'cyrillic' });
  });

  it('follows the majority of a mixed script, and says it is mixed', () => {
    const mixed = detectLanguage('これは新しい製品の紹介ビデオです。今日から使えます。Welcome to our launch today!');
    expect(mixed).toMatchObject({ language: 'ja', writingSystem: 'japanese', mixed: true });
    expect(detectLanguage('A video about Tokyo (東京).').mixed).toBe(false);
  });

  it('knows which writing systems a voice reads', () => {
    expect(writingSystemsOf('en-US')).toEqual(['latin']);
    expect(writingSystemsOf('ja')).toContain('japanese');
    expect(writingSystemsOf('ar')).toContain('arabic');
    expect(writingSystemsOf('xx-unknown')).toBeUndefined();
  });
});

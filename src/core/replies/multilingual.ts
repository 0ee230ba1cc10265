import type { Reply } from '../types.js'

/**
 * Greetings in several scripts, with emoji that span many code points: ZWJ sequences (👩‍💻, 👨‍👩‍👧‍👦),
 * flags (pairs of regional indicators), skin-tone modifiers, right-to-left text and a combining accent.
 * The combining accent is written as an escape (cafe\u0301) so that editors cannot normalize it away.
 */
export const multilingual: Reply = {
  name: 'multilingual',
  description: 'Emoji ZWJ sequences, flags, skin tones, CJK, Korean, RTL and combining marks: tests Unicode-safe splitting.',
  text: `Hello! 👋 Here is the same greeting in a few of the languages I speak, so you can see how your UI handles them:

- 🇫🇷 French: Bonjour ! Prenez un cafe\u0301 et dites-moi comment je peux vous aider.
- 🇪🇸 Spanish: ¡Hola! ¿En qué puedo ayudarte hoy?
- 🇨🇳 Chinese: 你好！很高兴认识你。今天我能帮你做些什么？
- 🇯🇵 Japanese: こんにちは！お会いできてうれしいです。今日は何をお手伝いしましょうか？
- 🇰🇷 Korean: 안녕하세요! 만나서 반갑습니다. 오늘 무엇을 도와드릴까요?
- 🇪🇬 Arabic: مرحبًا! يسعدني أن أساعدك اليوم. كيف حالك؟
- 🇮🇱 Hebrew: שלום! אני שמח לעזור לך היום. מה שלומך?
- 🇮🇳 Hindi: नमस्ते! आपसे मिलकर बहुत खुशी हुई। आज मैं आपकी क्या मदद कर सकता हूँ?
- 🇹🇭 Thai: สวัสดีครับ ยินดีที่ได้รู้จักครับ วันนี้มีอะไรให้ช่วยไหมครับ

Right-to-left words inside a left-to-right sentence are a classic trap: the Hebrew word שלום (shalom) means "peace", and the Arabic مرحبا (marhaba) means "hello", yet both should still read correctly in the middle of this line.

A few things worth checking in your renderer 👩‍💻:

- ZWJ sequences such as 👨‍👩‍👧‍👦 (a family) and 👩‍💻 (a woman technologist) are one visible glyph built from several code points; cutting one in half shows broken pieces.
- Skin-tone modifiers: 👍🏽 👋🏿 🙌🏻 should stay attached to their base emoji.
- Flags like 🇯🇵 🇰🇷 🇧🇷 are pairs of regional indicator symbols, and a stray half shows up as a lone letter.
- "cafe\u0301" and "caf\u00e9" look identical, but the first ends in e + U+0301 (a combining acute accent): it is one code unit longer, and the two compare unequal until you normalize them to NFC.

Thanks for testing! 🙏✨ Merci · ありがとう · 감사합니다 · 谢谢 · شكرًا · תודה · धन्यवाद · ขอบคุณครับ 🎉`,
}

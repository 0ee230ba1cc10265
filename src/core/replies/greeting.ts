import type { Reply } from '../types.js'

/** The default reply: short and friendly, the first thing a chat UI shows. */
export const greeting: Reply = {
  name: 'greeting',
  description: 'A short, friendly three-sentence hello: the default reply, good for a quick smoke test.',
  text: "Hi there! I'm happy to help with whatever you're working on today, whether it's debugging a tricky function, drafting an email or just talking through an idea. What would you like to start with?",
}

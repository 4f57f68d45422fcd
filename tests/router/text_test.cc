// Tests of router/text.h: UTF-8 decoding, case folding, look-alike letters and tokenisation with
// offsets into the original bytes.

#include "router/text.h"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace ekc::router {
namespace {

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  for (const Token& token : Tokenize(text, 1000)) words.push_back(token.normalized);
  return words;
}

using Strings = std::vector<std::string>;

TEST(TextDecode, DecodesOneToFourByteSequences) {
  const std::string text = "aЖ€😀";
  DecodedCodePoint d = DecodeUtf8At(text, 0);
  EXPECT_TRUE(d.valid);
  EXPECT_EQ(d.code_point, U'a');
  EXPECT_EQ(d.length, 1u);
  d = DecodeUtf8At(text, 1);
  EXPECT_EQ(d.code_point, U'Ж');
  EXPECT_EQ(d.length, 2u);
  d = DecodeUtf8At(text, 3);
  EXPECT_EQ(d.code_point, U'€');
  EXPECT_EQ(d.length, 3u);
  d = DecodeUtf8At(text, 6);
  EXPECT_EQ(d.code_point, U'😀');
  EXPECT_EQ(d.length, 4u);
}

TEST(TextDecode, RejectsMalformedSequencesOneByteAtATime) {
  const std::string_view cases[] = {
      "\x80",              // a lone continuation byte
      "\xC0\xAF",          // overlong «/»
      "\xE0\x80\xAF",      // overlong
      "\xED\xA0\x80",      // a UTF-16 surrogate
      "\xF4\x90\x80\x80",  // past U+10FFFF
      "\xFF",              // never valid
      "\xD0",              // truncated at the end of the text
      "\xE2\x82",          // truncated
      "\xD0\x41",          // a lead byte followed by ASCII
  };
  for (std::string_view bad : cases) {
    const DecodedCodePoint d = DecodeUtf8At(bad, 0);
    EXPECT_FALSE(d.valid) << testing::PrintToString(std::string(bad));
    EXPECT_EQ(d.length, 1u);
    EXPECT_EQ(d.code_point, U'\uFFFD');
  }
}

TEST(TextFoldCase, LowersCyrillicAndLatinAndFoldsYo) {
  EXPECT_EQ(FoldCase(U'Я'), U'я');
  EXPECT_EQ(FoldCase(U'А'), U'а');
  EXPECT_EQ(FoldCase(U'Ё'), U'е');
  EXPECT_EQ(FoldCase(U'ё'), U'е');
  EXPECT_EQ(FoldCase(U'Q'), U'q');
  EXPECT_EQ(FoldCase(U'É'), U'é');
  EXPECT_EQ(FoldCase(U'Ї'), U'ї');
  EXPECT_EQ(FoldCase(U'７'), U'7');
  EXPECT_EQ(FoldCase(U'€'), U'€');
}

TEST(TextTokenize, LowercasesAndFoldsYo) {
  EXPECT_EQ(Words("РЕБЁНОК Учёт ЕЁ"), (Strings{"ребенок", "учет", "ее"}));
}

TEST(TextTokenize, OffsetsPointAtTheOriginalBytes) {
  const std::string text = "  Ребёнок-инвалид, МСЭ!";
  const std::vector<Token> tokens = Tokenize(text, 100);
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(text.substr(tokens[0].offset, tokens[0].length), "Ребёнок");
  EXPECT_EQ(tokens[0].normalized, "ребенок");
  EXPECT_EQ(text.substr(tokens[1].offset, tokens[1].length), "инвалид");
  EXPECT_EQ(text.substr(tokens[2].offset, tokens[2].length), "МСЭ");
  EXPECT_EQ(tokens[0].offset, 2u);
}

TEST(TextTokenize, SplitsOnHyphensPunctuationAndLetterDigitBoundaries) {
  EXPECT_EQ(Words("мать-одиночка, 3х детей;ИВЛ2"),
            (Strings{"мать", "одиночка", "3", "х", "детей", "ивл", "2"}));
}

TEST(TextTokenize, MarksClauseBreaksButNotDecimalSeparators) {
  const std::vector<Token> tokens = Tokenize("до 1,5 лет. Не инвалид но", 100);
  ASSERT_EQ(tokens.size(), 7u);
  EXPECT_TRUE(tokens[1].is_number);
  EXPECT_FALSE(tokens[0].is_number);
  EXPECT_FALSE(tokens[0].clause_break_before);
  EXPECT_FALSE(tokens[2].clause_break_before);  // «1,5» is one number
  EXPECT_TRUE(tokens[4].clause_break_before);   // «. Не»
  EXPECT_FALSE(tokens[6].clause_break_before);  // «но» is a clause word, not punctuation
}

TEST(TextTokenize, LongGapIsAClauseBreak) {
  const std::string text = "ребенок" + std::string(kTokenGapBytesMax + 1, ' ') + "инвалид";
  const std::vector<Token> tokens = Tokenize(text, 100);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_TRUE(tokens[1].clause_break_before);
}

TEST(TextTokenize, MapsLatinLookAlikesInsideCyrillicWords) {
  // «Рeбёнок-инвaлид» with Latin e and a; «MCЭ» and «CHИЛC» with Latin M, C, H.
  EXPECT_EQ(Words("Рeбёнок-инвaлид MCЭ CHИЛC"), (Strings{"ребенок", "инвалид", "мсэ", "снилс"}));
  // Uppercase B and H look like В and Н; lowercase b and h do not.
  EXPECT_EQ(Words("BЗЯТЬ HАДО"), (Strings{"взять", "надо"}));
  EXPECT_EQ(Words("сbо"), (Strings{"сbо"}));
}

TEST(TextTokenize, MapsOnlyWhitelistedAllLatinAbbreviations) {
  EXPECT_EQ(Words("CBO MCK svo"), (Strings{"сво", "мск", "сво"}));
  EXPECT_EQ(Words("WhatsApp Госуслуги ID"), (Strings{"whatsapp", "госуслуги", "id"}));
  EXPECT_EQ(Words("COM TOP"), (Strings{"com", "top"}));
}

TEST(TextTokenize, ComposesDecomposedShortIAndDropsStressMarks) {
  // «семьи́» with a stress mark, «пособий» and «Ёлка» written in NFD.
  EXPECT_EQ(Words("семьи\u0301 пособии\u0306 Е\u0308лка"), (Strings{"семьи", "пособий", "елка"}));
  const std::string stressed = "во\u0301т";
  const std::vector<Token> tokens = Tokenize(stressed, 10);
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].length, stressed.size());
}

TEST(TextTokenize, InvisibleCharactersInsideAWordKeepItWhole) {
  // A soft hyphen and a zero-width joiner inside, a zero-width space after.
  const std::string text = "инва\u00ADлид\u200Dность\u200B";
  const std::vector<Token> tokens = Tokenize(text, 10);
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].normalized, "инвалидность");
  EXPECT_EQ(tokens[0].length, text.size() - std::string("\u200B").size());
}

TEST(TextTokenize, MalformedBytesSeparateWordsAndNeverCrash) {
  const std::string text = "ребе\xD0нок\xFF\xFE инвалид\xE2\x82";
  const std::vector<Token> tokens = Tokenize(text, 100);
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[0].normalized, "ребе");
  EXPECT_EQ(tokens[1].normalized, "нок");
  EXPECT_EQ(tokens[2].normalized, "инвалид");
  for (const Token& token : tokens) EXPECT_LE(token.offset + token.length, text.size());
}

TEST(TextTokenize, EveryByteValueIsTolerated) {
  std::string text;
  for (int i = 0; i < 256; ++i) text.push_back(static_cast<char>(i));
  text += text;
  for (size_t cut = 0; cut <= text.size(); cut += 7) {
    for (const Token& token : Tokenize(std::string_view(text).substr(0, cut), 1000)) {
      EXPECT_LE(token.offset + token.length, cut);
      EXPECT_GT(token.length, 0u);
    }
  }
}

TEST(TextTokenize, LongRunsAreCutIntoBoundedTokens) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "ж";
  const std::vector<Token> tokens = Tokenize(text, 1000);
  ASSERT_EQ(tokens.size(), (1000 + kTokenCodePointsMax - 1) / kTokenCodePointsMax);
  for (const Token& token : tokens) EXPECT_LE(token.length, kTokenCodePointsMax * 4);
  // Combining marks count too: «Zalgo» text cannot make a token unbounded.
  std::string zalgo = "а";
  for (int i = 0; i < 1000; ++i) zalgo += "\u0301";
  for (const Token& token : Tokenize(zalgo, 1000)) EXPECT_LE(token.length, kTokenCodePointsMax * 4);
}

TEST(TextTokenize, StopsAtTheTokenLimit) {
  EXPECT_EQ(Tokenize("раз два три четыре", 2).size(), 2u);
  EXPECT_TRUE(Tokenize("", 10).empty());
  EXPECT_TRUE(Tokenize("!!! ... — 😀", 10).empty());
}

TEST(TextValidUtf8, ReplacesMalformedBytesOnly) {
  EXPECT_EQ(FindInvalidUtf8("ребёнок"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("ре\xD0"), 4u);
  EXPECT_EQ(ToValidUtf8("ребёнок"), "ребёнок");
  EXPECT_EQ(ToValidUtf8("а\xFFб\xE2\x82"), "а\uFFFDб\uFFFD\uFFFD");
}

TEST(TextTokenize, ReusedVectorGivesTheSameTokensAsAFreshOne) {
  // Tokens left from a longer text (numbers, long words, clause breaks) must not leak into the
  // next.
  std::vector<Token> reused;
  Tokenize("Трое детей, 1,5 года. Многодетная семья из ПВР, инвалидность", 100, &reused);
  for (std::string_view text : {"Ёлки мама", "", "ребёнок-инвалид 3х CBO", "и\u0306од МСЭ"}) {
    Tokenize(text, 100, &reused);
    const std::vector<Token> fresh = Tokenize(text, 100);
    ASSERT_EQ(reused.size(), fresh.size()) << text;
    for (size_t i = 0; i < fresh.size(); ++i) {
      EXPECT_EQ(reused[i].normalized, fresh[i].normalized) << text;
      EXPECT_EQ(reused[i].number, fresh[i].number) << text;
      EXPECT_EQ(reused[i].offset, fresh[i].offset) << text;
      EXPECT_EQ(reused[i].length, fresh[i].length) << text;
      EXPECT_EQ(reused[i].clause_break_before, fresh[i].clause_break_before) << text;
      EXPECT_EQ(reused[i].is_number, fresh[i].is_number) << text;
    }
  }
}

TEST(TextTokenize, FoldsEveryRussianLetterLikeFoldCase) {
  // The byte-wise fast path for А..я and Ёё against the general FoldCase, letter by letter.
  for (char32_t c = 0x400; c < 0x480; ++c) {
    std::string letter;
    AppendUtf8(c, &letter);
    const std::vector<Token> tokens = Tokenize(letter + letter, 10);
    if (tokens.empty()) continue;  // not a letter (e.g. U+0482)
    std::string folded;
    AppendUtf8(FoldCase(c), &folded);
    EXPECT_EQ(tokens[0].normalized, folded + folded) << static_cast<uint32_t>(c);
  }
}

TEST(TextWordTable, FindsAddedWordsWithTheirBitsAndNothingElse) {
  WordTable table;
  table.Add("не", 1);
  table.Add("нет", 2);
  table.Add("не", 4);  // a word in two lists has both bits
  std::vector<std::string> many;
  for (int i = 0; i < 500; ++i) many.push_back("слово" + std::to_string(i));  // grows the table
  for (const std::string& word : many) table.Add(word, 8);
  EXPECT_EQ(table.Find("не"), 5u);
  EXPECT_EQ(table.Find("нет"), 2u);
  EXPECT_EQ(table.Find("нету"), 0u);
  EXPECT_EQ(table.Find(""), 0u);
  EXPECT_EQ(table.Find("н"), 0u);
  for (const std::string& word : many) EXPECT_EQ(table.Find(word), 8u) << word;
  EXPECT_EQ(table.Find("слово500"), 0u);
  EXPECT_EQ(table.Find("слово12345678901234567890"), 0u);  // longer than every word added
  EXPECT_EQ(WordTable().Find("не"), 0u);
}

TEST(TextNormalizeForDisplay, JoinsNormalisedWords) {
  EXPECT_EQ(NormalizeForDisplay("Алло, девушка! Ёлки-палки"), "алло девушка елки палки");
  EXPECT_EQ(CodePointCount("ёж😀"), 3u);
}

}  // namespace
}  // namespace ekc::router

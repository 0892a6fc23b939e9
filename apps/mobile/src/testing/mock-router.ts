/** A stand-in for expo-router's imperative router in screen tests. */
export const mockRouter = {
  push: jest.fn(),
  navigate: jest.fn(),
  replace: jest.fn(),
  back: jest.fn(),
};

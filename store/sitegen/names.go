package sitegen

import (
	"math/rand/v2"
	"strings"
)

// Surnames in rough order of frequency: the first ones are drawn far more often, as in a
// real student body.
var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")

// Characters of given names.
var givenChars = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁欣怡梓涵子轩雨萱浩然思远博文佳琪晨曦天佑一诺嘉怡俊杰紫涵梦琪昊天雅静子墨心怡晓东建国志强海燕春梅秋菊冬梅晓峰立新")

// twoSurnames are the compound surnames, drawn now and then.
var twoSurnames = []string{"欧阳", "司马", "上官", "诸葛", "东方", "慕容"}

func chineseName(r *rand.Rand) string {
	var b strings.Builder
	if r.IntN(200) == 0 {
		b.WriteString(twoSurnames[r.IntN(len(twoSurnames))])
	} else {
		// Squaring skews the draw towards the common surnames.
		f := r.Float64()
		b.WriteRune(surnames[int(f*f*float64(len(surnames)))])
	}
	n := 1 + r.IntN(2)
	if r.IntN(10) < 7 {
		n = 2
	}
	for i := 0; i < n; i++ {
		b.WriteRune(givenChars[r.IntN(len(givenChars))])
	}
	return b.String()
}

var departments = []string{"计算机学院", "电子信息学院", "机械工程学院", "土木工程学院", "经济管理学院", "外国语学院",
	"数学科学学院", "物理学院", "化学化工学院", "生命科学学院", "法学院", "文学院", "艺术学院", "医学院", "材料学院", "建筑学院"}

var staffDepartments = []string{"卡务中心", "后勤处", "财务处", "图书馆", "教务处", "保卫处", "学生处", "信息中心"}

// places where a recharge POS stands, with how busy each is (relative weight).
var rechargePlaces = []struct {
	name   string
	weight int
}{
	{"第一食堂", 10}, {"第二食堂", 9}, {"第三食堂", 7}, {"清真食堂", 3}, {"图书馆", 5}, {"学生活动中心", 4},
	{"东区宿舍", 6}, {"西区宿舍", 6}, {"南区宿舍", 5}, {"北区宿舍", 5}, {"卡务中心", 4}, {"教学楼A区", 3},
	{"教学楼B区", 3}, {"体育馆", 2}, {"研究生公寓", 4}, {"教工食堂", 3}, {"医院", 2}, {"超市", 5},
}

var consumptionPlaces = []string{"第一食堂", "第二食堂", "超市", "浴室", "开水房", "图书馆复印室"}
